"""The closed loop on a real Celery worker: the auto-accept sweep confirms unchecked fixes and
the award follows, once; a reopened report's new deadline is watched by the deadline sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from governance import services, workflow
from governance.models import FixAnswer, Report, ReportStatus
from governance.tasks import sweep_report_deadlines, sweep_unchecked_fixes
from rewards.models import Award
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.worker


def test_the_sweep_accepts_unchecked_fixes_and_the_worker_pays_once(celery_worker):
    department = DepartmentFactory()
    reports = []
    for n in range(3):
        report = workflow.route(ReportFactory(latitude=36 + n / 10), department=department)
        reports.append(workflow.resolve(report, department=department, reply="已清理"))
    # Two are past their check time, one is not.
    Report.objects.filter(pk__in=[r.pk for r in reports[:2]]).update(
        verify_by=timezone.now() - dt.timedelta(minutes=1)
    )
    sweep_unchecked_fixes.delay()
    sweep_unchecked_fixes.delay()  # a repeated message accepts nothing twice
    celery_worker(
        lambda: Award.objects.filter(report__in=reports[:2]).count() == 4,
        what="the sweep to confirm two reports and the worker to pay them",
    )
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in reports] == [
        ReportStatus.CONFIRMED,
        ReportStatus.CONFIRMED,
        ReportStatus.RESOLVED,
    ]
    assert FixAnswer.objects.filter(by_default=True).count() == 2
    assert not Award.objects.filter(report=reports[2]).exists()


def test_a_reopened_reports_new_deadline_is_watched(celery_worker):
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="已清理")
    services.report_check(
        rider=report.rider, report=report, outcome="not_fixed", satisfaction="dissatisfied"
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.REOPENED
    # The new deadline has passed: the worker's sweep flags it overdue.
    Report.objects.filter(pk=report.pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=1),
        next_check_at=timezone.now() - dt.timedelta(minutes=1),
    )
    sweep_report_deadlines.delay()
    celery_worker(
        lambda: Report.objects.get(pk=report.pk).is_overdue,
        what="the deadline sweep to flag the reopened report",
    )
    assert Report.objects.get(pk=report.pk).escalation_level >= 1
