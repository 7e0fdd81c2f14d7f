"""The deadline sweep: amber warning at 75 %, overdue at the deadline, escalation at twice it.

Who hears of each stage: the warning is a timeline event for the department only (it reads
its reports' events; nothing is published to the dispatchers); overdue and escalated are also
published (ReportsOverdue / ReportsEscalated), which the webhooks deliver to the department's
receiver and to the receivers of every report (the dispatchers' and the platform's).
"""

import datetime as dt

import pytest

from core.events import subscribe, unsubscribe
from governance import services, workflow
from governance.events import ReportsEscalated, ReportsOverdue
from governance.models import Report, ReportEvent
from tests.factories import DepartmentFactory, ReportFactory
from webhooks.models import Delivery, Event, Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return workflow.route(ReportFactory(), department=DepartmentFactory())  # 24 h to close


@pytest.fixture
def published():
    """The deadline events the sweep publishes, in order."""
    seen = []
    for event_type in (ReportsOverdue, ReportsEscalated):
        subscribe(event_type, seen.append)
    yield seen
    for event_type in (ReportsOverdue, ReportsEscalated):
        unsubscribe(event_type, seen.append)


def receivers(report: Report) -> tuple[Webhook, Webhook, Webhook]:
    """The report's department's receiver, one for every report (the dispatchers), and another
    department's (an outsider)."""
    events = [Event.OVERDUE, Event.ESCALATED]
    return (
        Webhook.objects.create(
            label="dept", url="http://127.0.0.1:1/d", department=report.department, events=events
        ),
        Webhook.objects.create(label="all", url="http://127.0.0.1:1/a", events=events),
        Webhook.objects.create(
            label="other", url="http://127.0.0.1:1/o", department=DepartmentFactory(), events=events
        ),
    )


def delivered(event: str) -> set[str]:
    return set(Delivery.objects.filter(event=event).values_list("webhook__label", flat=True))


def sweep_at(report: Report, hours: float) -> Report:
    services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=hours))
    report.refresh_from_db()
    return report


def test_nothing_happens_before_three_quarters_of_the_time(report):
    assert services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=17)) == 0
    report.refresh_from_db()
    assert report.warned_at is None and not report.is_overdue


def test_the_three_stages_in_order(report, published):
    receivers(report)
    report = sweep_at(report, 18.5)
    assert report.warned_at is not None and not report.is_overdue
    warned = report.events.get(kind="warned")
    assert warned.department == report.department and warned.note_kind == "governance.deadline_near"
    assert published == [] and not Delivery.objects.exists()  # the department's only

    report = sweep_at(report, 24.1)
    assert report.is_overdue and report.escalation_level == 1
    assert published == [ReportsOverdue(report_ids=(report.pk,))]
    assert delivered("report.overdue") == {"dept", "all"}  # the department and the dispatchers

    report = sweep_at(report, 48.1)
    assert report.escalation_level == 2 and report.next_check_at is None
    assert published[1:] == [ReportsEscalated(report_ids=(report.pk,))]
    assert delivered("report.escalated") == {"dept", "all"}
    events = list(report.events.order_by("id").values_list("kind", "note_kind", "department"))
    assert events == [
        ("routed", "", report.department_id),
        ("warned", "governance.deadline_near", report.department_id),
        ("escalated", "governance.deadline_passed", report.department_id),
        ("escalated", "governance.deadline_twice_passed", report.department_id),
    ]
    assert not report.events.filter(kind__in=["warned", "escalated"], public=True).exists()


def test_a_late_sweep_jumps_straight_to_the_right_stage(report, published):
    report = sweep_at(report, 30)
    assert report.escalation_level == 1 and report.warned_at is not None
    assert not report.events.filter(kind="warned").exists()
    assert report.events.get(kind="escalated").note_kind == "governance.deadline_passed"
    assert published == [ReportsOverdue(report_ids=(report.pk,))]


def test_sweeping_again_changes_nothing(report, published):
    receivers(report)
    sweep_at(report, 24.1)
    events, deliveries, told = ReportEvent.objects.count(), Delivery.objects.count(), len(published)
    assert deliveries == 2
    assert services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=25)) == 0
    assert (ReportEvent.objects.count(), Delivery.objects.count()) == (events, deliveries)
    assert len(published) == told


def test_closed_reports_are_not_watched(report):
    workflow.resolve(report, department=report.department, reply="done")
    assert services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=100)) == 0
    report.refresh_from_db()
    assert not report.is_overdue


def test_rerouting_restarts_the_clock(report):
    report = sweep_at(report, 24.1)
    rerouted = workflow.route(report, department=DepartmentFactory())
    assert not rerouted.is_overdue and rerouted.escalation_level == 0
    assert rerouted.due_at > report.due_at


def test_sweep_handles_many_reports_in_batches():
    department = DepartmentFactory()
    reports = [workflow.route(ReportFactory(), department=department) for _ in range(7)]
    latest = max(r.routed_at for r in reports)
    handled = services.report_deadlines_sweep(now=latest + dt.timedelta(hours=25), batch_size=3)
    assert handled == 7
    assert Report.objects.filter(is_overdue=True).count() == 7


def test_the_sweep_uses_a_constant_number_of_queries(django_assert_max_num_queries):
    department = DepartmentFactory()
    for size in (2, 40):
        Report.objects.all().delete()
        reports = [workflow.route(ReportFactory(), department=department) for _ in range(size)]
        now = max(r.routed_at for r in reports) + dt.timedelta(hours=25)
        with django_assert_max_num_queries(8):
            assert services.report_deadlines_sweep(now=now) == size
