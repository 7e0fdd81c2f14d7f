"""Cities as tenants (issue 19), the department API: an officer token of a Qingdao department
never sees nor acts on a Jinan report (404 on the detail and every action); integration keys
belong to one city; the token admin shows a city's admin their city's tokens only."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import token_issue
from governance import workflow
from governance.models import Report, ReportEvent
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    jinan,
    photo_upload,
    qingdao,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def qingdao_dept():
    return DepartmentFactory(code="qd-urban", name="青岛市城管局")


@pytest.fixture
def jinan_dept():
    return DepartmentFactory(code="jn-lixia-urban", name="历下区城管局", city=jinan())


@pytest.fixture
def jinan_report(jinan_dept):
    district = jinan("lixia")
    report = ReportFactory(
        rider=RiderFactory(district=district),
        district=district,
        latitude=Decimal("36.666000"),
        longitude=Decimal("117.076000"),
    )
    return workflow.route(report, department=jinan_dept)


def client_for(department) -> APIClient:
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


ACTIONS = {
    "acknowledge": {},
    "resolve": {"note": "已处理完毕"},
    "reject": {"reason": "not_our_department"},
    "comments": {"text": "请问具体位置？"},
    "ask": {"question": "请问是几号楼？"},
    "transfer": {"department": "qd-urban", "reason": "不归我们管"},
}


def test_an_officer_token_gets_404_for_another_citys_report(qingdao_dept, jinan_report):
    api = client_for(qingdao_dept)
    base = f"/api/v1/reports/{jinan_report.public_id}/"
    assert api.get(base).status_code == 404
    listing = api.get("/api/v1/reports/").json()
    assert jinan_report.public_id not in str(listing)
    for action, body in ACTIONS.items():
        response = api.post(f"{base}{action}/", body, format="json")
        assert response.status_code == 404, action
    evidence = api.post(f"{base}evidence/", {"photo": photo_upload()}, format="multipart")
    assert evidence.status_code == 404
    report = Report.objects.get(pk=jinan_report.pk)
    assert (
        report.status == jinan_report.status and report.department_id == jinan_report.department_id
    )
    assert not ReportEvent.objects.filter(report=report, kind="comment").exists()


def test_the_jinan_officer_works_the_report(jinan_dept, jinan_report):
    api = client_for(jinan_dept)
    assert api.get(f"/api/v1/reports/{jinan_report.public_id}/").status_code == 200
    assert api.post(f"/api/v1/reports/{jinan_report.public_id}/acknowledge/").status_code == 200


def test_a_transfer_to_another_citys_department_is_refused(qingdao_dept, jinan_dept, jinan_report):
    api = client_for(jinan_dept)
    response = api.post(
        f"/api/v1/reports/{jinan_report.public_id}/transfer/",
        {"department": qingdao_dept.code, "reason": "不归我们管"},
        format="json",
    )
    assert response.status_code == 422
    assert Report.objects.get(pk=jinan_report.pk).department == jinan_dept


def test_the_departments_list_is_the_token_citys(qingdao_dept, jinan_dept):
    codes = str(client_for(jinan_dept).get("/api/v1/departments/").json())
    assert qingdao_dept.code not in codes


def test_tokens_name_their_city(qingdao_dept, jinan_dept):
    officer, _key = token_issue(label="a", department=jinan_dept)
    assert officer.city == jinan()
    key_of_jinan, _key = token_issue(label="b", integration=True, city=jinan())
    assert key_of_jinan.city == jinan() and key_of_jinan.department is None


def admin_of(client, city, group="Centre admin"):
    """A staff member who may keep tokens (only superusers may by default: api/ grants no
    role the tokens), in `city`."""
    user = StaffFactory(city=city)
    user.groups.add(Group.objects.get(name=group))
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="api",
            codename__in=["view_apitoken", "add_apitoken", "change_apitoken"],
        )
    )
    client.force_login(user)
    return user


def test_a_city_admin_sees_their_citys_tokens_only(client, qingdao_dept, jinan_dept):
    admin_of(client, qingdao())
    ours, _ = token_issue(label="青岛集成", integration=True, city=qingdao())
    theirs, _ = token_issue(label="济南集成", integration=True, city=jinan())
    officer, _ = token_issue(label="济南科员", department=jinan_dept)
    page = client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert ours.label in page and theirs.label not in page and officer.label not in page
    for token in (theirs, officer):
        url = reverse("admin:api_apitoken_change", args=[token.pk])
        assert client.get(url).status_code == 404
    add = client.get(reverse("admin:api_apitoken_add")).content.decode()
    assert jinan_dept.name not in add and "济南" not in add


def test_an_integration_key_needs_a_city_once_there_are_two(client):
    jinan()
    admin_of(client, None, group="National admin")
    response = client.post(
        reverse("admin:api_apitoken_add"), {"kind": "integration", "label": "平台"}
    )
    assert response.status_code == 200 and "city" in response.context["adminform"].form.errors
    client.post(
        reverse("admin:api_apitoken_add"),
        {"kind": "integration", "label": "平台", "city": jinan().pk},
    )
    assert ApiToken.objects.get(label="平台").city == jinan()


def test_a_national_admin_sees_every_citys_tokens(client, qingdao_dept, jinan_dept):
    admin_of(client, None, group="National admin")
    token_issue(label="青岛科员", department=qingdao_dept)
    token_issue(label="济南科员", department=jinan_dept)
    page = client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert "青岛科员" in page and "济南科员" in page
