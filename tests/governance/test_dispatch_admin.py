"""The dispatch queue in the admin: filters, countdown, actions through the state machine,
the closure dashboard, and who may see it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from governance import services, workflow
from governance.models import Report, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory, category

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:governance_report_changelist")


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Dispatcher"))
    client.force_login(user)
    return user


def act(client, action: str, reports, **extra):
    data = {"action": action, "_selected_action": [r.pk for r in reports], **extra}
    return client.post(QUEUE, data, follow=True)


def test_queue_lists_reports_without_riders_personal_data(client, dispatcher):
    report = ReportFactory()
    page = client.get(QUEUE).content.decode()
    assert report.public_id in page
    assert report.rider.phone not in page and report.rider.name not in page


def test_queue_uses_constant_queries(client, dispatcher, django_assert_max_num_queries):
    department = DepartmentFactory()
    for size in (2, 30):
        Report.objects.all().delete()
        for _ in range(size):
            workflow.route(ReportFactory(), department=department)
        # 14 + 1: whether the dispatcher sees every city (core/tenancy.py, once per request).
        with django_assert_max_num_queries(15):
            assert client.get(QUEUE).status_code == 200


def test_filters_and_search(client, dispatcher):
    department = DepartmentFactory()
    overdue = workflow.route(ReportFactory(), department=department)
    services.report_deadlines_sweep(now=overdue.due_at + dt.timedelta(minutes=1))
    waiting = workflow.to_dispatcher(ReportFactory())
    page = client.get(QUEUE, {"deadline": "overdue"}).content.decode()
    assert overdue.public_id in page and waiting.public_id not in page
    page = client.get(QUEUE, {"status__exact": "dispatch"}).content.decode()
    assert waiting.public_id in page and overdue.public_id not in page
    page = client.get(QUEUE, {"q": waiting.public_id}).content.decode()
    assert waiting.public_id in page and overdue.public_id not in page
    page = client.get(QUEUE, {"department__id__exact": department.pk}).content.decode()
    assert overdue.public_id in page and waiting.public_id not in page


def test_countdown_is_green_amber_red(client, dispatcher):
    department = DepartmentFactory()
    green = workflow.route(ReportFactory(), department=department)
    amber = workflow.route(ReportFactory(), department=department)
    red = workflow.route(ReportFactory(), department=department)
    now = timezone.now()
    Report.objects.filter(pk=amber.pk).update(
        routed_at=now - dt.timedelta(hours=20), due_at=now + dt.timedelta(hours=4)
    )
    Report.objects.filter(pk=red.pk).update(
        routed_at=now - dt.timedelta(hours=30), due_at=now - dt.timedelta(hours=6), is_overdue=True
    )
    page = client.get(QUEUE).content.decode()
    assert page.count("countdown--green") == 1
    assert page.count("countdown--amber") == 1
    assert page.count("countdown--red") == 1
    assert green.public_id in page


def test_reroute_action_goes_through_the_state_machine(client, dispatcher):
    report = workflow.to_dispatcher(ReportFactory())
    department = DepartmentFactory()
    act(client, "reroute", [report], department=department.pk, reason="belongs to housing")
    report.refresh_from_db()
    assert report.status == ReportStatus.ROUTED and report.department == department
    event = report.events.get(kind="routed")
    assert event.actor == dispatcher and event.note == "belongs to housing"


def test_reroute_without_a_department_changes_nothing(client, dispatcher):
    report = workflow.to_dispatcher(ReportFactory())
    response = act(client, "reroute", [report])
    assert (
        "Choose the department" in response.content.decode() or "选择" in response.content.decode()
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.WITH_DISPATCHER


def test_mark_duplicate_and_close_invalid(client, dispatcher):
    original, copy, junk = ReportFactory(), ReportFactory(), workflow.to_dispatcher(ReportFactory())
    act(client, "mark_duplicate", [copy], original=original.public_id)
    copy.refresh_from_db()
    assert copy.status == ReportStatus.DUPLICATE and copy.duplicate_of == original
    act(client, "close_invalid", [junk], reason="照片与描述不符")
    junk.refresh_from_db()
    assert junk.status == ReportStatus.INVALID and junk.events.last().note == "照片与描述不符"


def test_illegal_transition_is_reported_not_applied(client, dispatcher):
    department = DepartmentFactory()
    closed = workflow.resolve(
        workflow.route(ReportFactory(), department=department), department=department, reply="ok"
    )
    response = act(client, "close_invalid", [closed], reason="x")
    assert closed.public_id in response.content.decode()
    closed.refresh_from_db()
    assert closed.status == ReportStatus.RESOLVED


def test_staff_without_the_dispatcher_role_cannot_open_the_queue(client):
    client.force_login(StaffFactory())
    assert client.get(QUEUE).status_code == 403
    assert client.get(reverse("admin:governance_report_dashboard")).status_code == 403


def test_dispatchers_cannot_delete_or_add_reports(client, dispatcher):
    report = ReportFactory()
    assert (
        client.get(reverse("admin:governance_report_delete", args=[report.pk])).status_code == 403
    )
    assert client.get(reverse("admin:governance_report_add")).status_code == 403


def test_closure_dashboard(client, dispatcher):
    department = DepartmentFactory(name="消防大队")
    fire = category("fire-hazard")
    on_time = workflow.route(ReportFactory(category=fire), department=department)
    workflow.resolve(on_time, department=department, reply="done", with_evidence=True)
    late = workflow.route(ReportFactory(category=fire, latitude=36.3), department=department)
    Report.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    workflow.resolve(late, department=department, reply="done late", with_evidence=True)
    workflow.route(ReportFactory(category=fire, latitude=36.4), department=department)
    response = client.get(reverse("admin:governance_report_dashboard"))
    [row] = response.context["rows"]
    assert (row.received, row.closed, row.closed_on_time) == (3, 2, 1)
    assert row.on_time_rate == 33.3
    assert row.median_hours_to_close is not None
    assert "消防大队" in response.content.decode()
    bad = client.get(
        reverse("admin:governance_report_dashboard"), {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors


def test_dashboard_uses_constant_queries(client, dispatcher, django_assert_max_num_queries):
    departments = [DepartmentFactory() for _ in range(3)]
    for size in (1, 12):
        for n in range(size):
            report = workflow.route(
                ReportFactory(latitude=30 + n / 10), department=departments[n % 3]
            )
            workflow.resolve(report, department=report.department, reply="ok")
        with django_assert_max_num_queries(12):
            assert client.get(reverse("admin:governance_report_dashboard")).status_code == 200
