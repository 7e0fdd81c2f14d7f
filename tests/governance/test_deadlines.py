"""The deadline sweep: amber warning at 75 %, overdue at the deadline, escalation at twice it."""

import datetime as dt

import pytest

from governance import services, workflow
from governance.models import Alert, Report, ReportEvent
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return workflow.route(ReportFactory(), department=DepartmentFactory())  # 24 h to close


def sweep_at(report: Report, hours: float) -> Report:
    services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=hours))
    report.refresh_from_db()
    return report


def test_nothing_happens_before_three_quarters_of_the_time(report):
    assert services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=17)) == 0
    report.refresh_from_db()
    assert report.warned_at is None and not report.is_overdue


def test_the_three_stages_in_order(report):
    report = sweep_at(report, 18.5)
    assert report.warned_at is not None and not report.is_overdue
    assert (
        Alert.objects.filter(report=report, kind="warning", department=report.department).count()
        == 1
    )

    report = sweep_at(report, 24.1)
    assert report.is_overdue and report.escalation_level == 1
    assert set(
        Alert.objects.filter(report=report, kind="overdue").values_list("department", flat=True)
    ) == {
        report.department_id,
        None,  # the dispatchers
    }

    report = sweep_at(report, 48.1)
    assert report.escalation_level == 2 and report.next_check_at is None
    assert Alert.objects.filter(report=report, kind="escalated").count() == 2
    kinds = list(report.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["routed", "warned", "escalated", "escalated"]
    assert not report.events.filter(kind__in=["warned", "escalated"], public=True).exists()


def test_a_late_sweep_jumps_straight_to_the_right_stage(report):
    report = sweep_at(report, 30)
    assert report.escalation_level == 1 and report.warned_at is not None
    assert not Alert.objects.filter(kind="warning").exists()


def test_sweeping_again_changes_nothing(report):
    sweep_at(report, 24.1)
    events = ReportEvent.objects.count()
    alerts = Alert.objects.count()
    assert services.report_deadlines_sweep(now=report.routed_at + dt.timedelta(hours=25)) == 0
    assert (ReportEvent.objects.count(), Alert.objects.count()) == (events, alerts)


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
