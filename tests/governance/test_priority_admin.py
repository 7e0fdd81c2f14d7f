"""Priority in the dispatcher's admin (issue 14): the badge and filter in the queue, urgent first
in every worklist, the "change the priority" action with a mandatory reason (dispatchers only),
and the category's deadlines by priority on its page."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from core.roles import CENTRE_ADMIN, DISPATCHER
from governance import services, workflow
from governance.admin import CATEGORY_FIELDSETS
from governance.models import Category, Priority, ReportEvent
from tests.admin_actions import offered_actions
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory, category

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:governance_report_changelist")


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return user


@pytest.fixture
def report():
    return workflow.route(ReportFactory(), department=DepartmentFactory())


def act(client, reports, **extra):
    data = {"action": "prioritise", "_selected_action": [r.pk for r in reports], **extra}
    return client.post(QUEUE, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_dispatcher_changes_the_priority_with_a_reason(client, dispatcher, report):
    assert "prioritise" in offered_actions(client.get(QUEUE))
    response = act(client, [report], priority=Priority.URGENT, reason="学校旁，先处理")
    assert response.status_code == 200
    assert "1 report given the new priority." in flash(response)
    report.refresh_from_db()
    assert report.priority == Priority.URGENT
    assert report.due_at - report.routed_at == dt.timedelta(hours=4)  # REPORT_URGENT_HOURS
    event = report.events.get(kind=ReportEvent.Kind.PRIORITY)
    assert event.actor == dispatcher and event.note == "学校旁，先处理"


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"priority": Priority.URGENT}, "Give the reason for the new priority."),
        ({"priority": Priority.URGENT, "reason": "   "}, "Give the reason for the new priority."),
        ({"reason": "学校旁"}, "Choose the new priority."),
        # Not one of the choices: Django's action form refuses the whole action.
        ({"priority": "9", "reason": "学校旁"}, "No action selected."),
    ],
)
def test_without_a_reason_or_priority_nothing_changes(client, dispatcher, report, extra, message):
    before = (report.priority, report.due_at, report.events.count())
    response = act(client, [report], **extra)
    assert response.status_code == 200
    assert any(message in text for text in flash(response)), flash(response)
    report.refresh_from_db()
    assert (report.priority, report.due_at, report.events.count()) == before


def test_a_refusal_names_the_report_and_the_others_still_change(client, dispatcher, report):
    closed = workflow.to_dispatcher(ReportFactory(latitude=37))
    closed = workflow.close_invalid(closed, actor=None, reason="无效")
    response = act(client, [report, closed], priority=Priority.LOW, reason="外观问题")
    texts = flash(response)
    assert any(text.endswith("given the new priority.") for text in texts)
    assert any(text.startswith(closed.public_id) for text in texts)
    report.refresh_from_db()
    assert report.priority == Priority.LOW


def test_view_only_staff_are_neither_offered_nor_able_to_run_it(client, report):
    viewer = StaffFactory()
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="governance", codename="view_report")
    )
    client.force_login(viewer)
    assert "prioritise" not in offered_actions(client.get(QUEUE))
    act(client, [report], priority=Priority.URGENT, reason="学校旁")
    report.refresh_from_db()
    assert report.priority == Priority.NORMAL


def test_staff_without_report_permissions_get_403(client, report):
    client.force_login(StaffFactory())
    assert client.get(QUEUE).status_code == 403
    response = client.post(
        QUEUE,
        {
            "action": "prioritise",
            "_selected_action": [report.pk],
            "priority": 1,
            "reason": "x",
        },
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.priority == Priority.NORMAL


def test_the_queue_shows_the_priority_and_lists_urgent_first(client, dispatcher):
    department = DepartmentFactory()
    normal = workflow.route(ReportFactory(), department=department)
    urgent = workflow.route(
        ReportFactory(category=category("blocked-fire-lane"), latitude=37), department=department
    )
    low = workflow.route(ReportFactory(latitude=38), department=department)
    services.report_prioritise(report=low, priority="low", reason="外观", by=dispatcher)
    page = client.get(QUEUE, {"status__exact": "routed"})
    shown = [r.public_id for r in page.context["cl"].result_list]
    assert shown == [urgent.public_id, normal.public_id, low.public_id]
    assert 'class="priority priority--urgent"' in page.content.decode()
    filtered = client.get(QUEUE, {"priority__exact": Priority.URGENT})
    assert [r.public_id for r in filtered.context["cl"].result_list] == [urgent.public_id]
    # The whole history stays newest first.
    everything = client.get(QUEUE)
    assert everything.context["cl"].result_list[0].public_id == low.public_id


def test_the_category_page_has_the_deadlines_by_priority(client):
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    client.force_login(admin)
    fire = category("fire-hazard")
    page = client.get(
        reverse("admin:governance_category_change", args=[fire.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Deadlines by priority" in text
    for field in ("default_priority", "urgent_hours", "low_hours", "closure_hours"):
        assert f'name="{field}"' in text
    # The fieldsets list every field a centre admin may edit: none is left off the page.
    editable = {f.name for f in Category._meta.fields if f.editable and not f.primary_key}
    assert {
        name for _title, options in CATEGORY_FIELDSETS for name in options["fields"]
    } == editable
