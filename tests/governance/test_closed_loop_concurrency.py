"""The rider's check racing the auto-accept sweep on PostgreSQL: one decision, one reward."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from governance import services, workflow
from governance.models import FixAnswer, Report, ReportStatus
from rewards.models import Award, LedgerEntry
from tests.conftest import require_service
from tests.factories import DepartmentFactory, ReportFactory
from tests.governance.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.mark.parametrize("outcome", ["fixed", "not_fixed"])
def test_checks_and_sweeps_at_once_decide_once_and_pay_at_most_once(outcome):
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="已清理")
    Report.objects.filter(pk=report.pk).update(verify_by=timezone.now() - dt.timedelta(seconds=1))
    calls = iter(range(20))

    def act():
        if next(calls) % 2:
            return services.unchecked_fixes_accept()
        return services.report_check(
            rider=report.rider, report=report, outcome=outcome, satisfaction="satisfied"
        )

    outcomes = run_concurrently(20, act)
    unexpected = [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)
    ]
    assert not unexpected, unexpected
    report.refresh_from_db()
    answers = FixAnswer.objects.filter(report=report, round=0)
    assert answers.count() == 1  # the rider's answer or the default, never both
    answer = answers.get()
    if answer.by_default or outcome == "fixed":
        assert report.status == ReportStatus.CONFIRMED
        assert Award.objects.filter(report=report).count() == 2
        assert LedgerEntry.objects.filter(rider=report.rider).count() == 1
    else:
        assert report.status == ReportStatus.REOPENED
        assert not Award.objects.filter(report=report).exists()
