"""Response templates (issue 14): plain `{name}` placeholders only, checked when the centre or
a dispatcher saves one in the admin; filled in as plain text for the department and category
they are for, every blank required."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from governance.models import ResponseTemplate, template_placeholders
from governance.services import template_fill
from governance.workflow import ResolutionIncomplete
from tests.factories import DepartmentFactory, StaffFactory, category

pytestmark = pytest.mark.django_db
ADD = reverse("admin:governance_responsetemplate_add")


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-city", name="李沧城管")


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Dispatcher"))
    client.force_login(user)
    return user


def template(department=None, body="已于{time}清理{place}，现场已恢复通畅。", **kwargs):
    kwargs.setdefault("title", "清理完毕")
    return ResponseTemplate.objects.create(department=department, body=body, **kwargs)


def test_placeholders_are_the_names_in_braces_in_order_each_once():
    assert template_placeholders("{time}到{place}，{time}完毕") == ["time", "place"]
    assert template_placeholders("{{不是占位}}") == []


@pytest.mark.parametrize(
    "body",
    ["{}", "{0}", "{time.year}", "{place[0]}", "{time!r}", "{time:>20}", "已于{time", "时间}"],
)
def test_anything_but_a_plain_name_is_refused(body):
    with pytest.raises(ValueError):
        template_placeholders(body)
    with pytest.raises(ValidationError) as error:
        ResponseTemplate(title="x", body=body).full_clean()
    assert "body" in error.value.message_dict


def test_title_and_text_may_not_be_empty_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseTemplate.objects.create(title="", body="已处理")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseTemplate.objects.create(title="已处理", body="")


def test_the_migration_gives_every_department_a_few_to_start_with():
    shared = ResponseTemplate.objects.filter(department=None)
    assert shared.filter(body="已于{time}清理完毕，现场已恢复通畅。", category=None).exists()
    assert shared.filter(category=category("blocked-fire-lane")).exists()
    for row in shared:
        row.full_clean()


def test_a_dispatcher_adds_one_in_the_admin_and_a_bad_placeholder_is_refused(client, dispatcher):
    data = {
        "title": "已派人",
        "body": "已于{time.hour}派人处理",
        "is_active": "on",
        "sort_order": 1,
    }
    response = client.post(ADD, data)
    assert response.status_code == 200  # the form again, with the error
    assert "body" in response.context["adminform"].form.errors
    assert not ResponseTemplate.objects.filter(title="已派人").exists()
    response = client.post(ADD, {**data, "body": "已于{time}派人处理"})
    assert response.status_code == 302
    assert ResponseTemplate.objects.get(title="已派人").placeholders == ["time"]


def test_the_admin_list_filters_by_department(client, dispatcher, department):
    own = template(department, title="本部门")
    other = template(DepartmentFactory(), title="别的部门")
    changelist = reverse("admin:governance_responsetemplate_changelist")
    page = client.get(changelist, {"department__id__exact": department.pk}).content.decode()
    assert own.title in page and other.title not in page


def test_filled_in_as_plain_text(department):
    row = template(department)
    text = template_fill(
        template=row,
        department=department,
        category=category(),
        fields={"time": " 10:30 ", "place": "{0.__class__}楼道"},
    )
    assert text == "已于10:30清理{0.__class__}楼道，现场已恢复通畅。"


def test_a_shared_template_fits_every_department_and_braces_stay(department):
    row = template(body="{{已}}于{time}处理", category=category())
    text = template_fill(
        template=row, department=department, category=category(), fields={"time": "今天"}
    )
    assert text == "{已}于今天处理"


def test_every_blank_must_be_filled_and_unknown_names_are_refused(department):
    row = template(department)
    with pytest.raises(ResolutionIncomplete) as error:
        template_fill(
            template=row,
            department=department,
            category=category(),
            fields={"time": "10:30", "place": "  ", "weather": "晴"},
        )
    assert set(error.value.fields) == {"fields.place", "fields.weather"}


@pytest.mark.parametrize("why", ["other department", "other category", "inactive", "no such id"])
def test_a_template_it_may_not_use_is_refused(department, why):
    row = {
        "other department": lambda: template(DepartmentFactory()),
        "other category": lambda: template(department, category=category("blocked-fire-lane")),
        "inactive": lambda: template(department, is_active=False),
        "no such id": lambda: None,
    }[why]()
    with pytest.raises(ResolutionIncomplete) as error:
        template_fill(
            template=row,
            department=department,
            category=category(),
            fields={"time": "10:30", "place": "楼道"},
        )
    assert list(error.value.fields) == ["template"]
