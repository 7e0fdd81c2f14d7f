"""The rider's answer racing the 48 h timeout sweep on PostgreSQL: exactly one of them closes
the question, the report leaves `waiting` once, and nothing fails."""

import datetime as dt

import pytest
from django.db import connection

from core.errors import DomainError
from governance import services, workflow
from governance.models import Report, ReportEvent, ReportQuestion, ReportStatus
from tests.conftest import require_service
from tests.factories import DepartmentFactory, ReportFactory
from tests.governance.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_answers_and_timeouts_at_once_close_the_question_once():
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    question = services.report_ask(report=report, department=department, question="几单元？")
    # Due now: the sweep may expire it while the rider answers.
    ReportQuestion.objects.filter(pk=question.pk).update(
        answer_by=question.asked_at - dt.timedelta(seconds=1)
    )
    calls = iter(range(20))

    def act():
        if next(calls) % 2:
            return services.unanswered_questions_expire()
        return services.question_answer(rider=report.rider, report=report, text="3单元")

    outcomes = run_concurrently(20, act)
    unexpected = [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)
    ]
    assert not unexpected, unexpected
    question.refresh_from_db()
    assert (question.answered_at is None) != (question.closed_at is None)
    report = Report.objects.get(pk=report.pk)
    assert report.status == ReportStatus.ACKNOWLEDGED and report.paused_at is None
    left = ReportEvent.objects.filter(
        report=report, kind__in=[ReportEvent.Kind.RIDER_ANSWERED, ReportEvent.Kind.QUESTION_EXPIRED]
    )
    assert left.count() == 1
    expired = [o for o in outcomes if isinstance(o, int)]
    assert sum(expired) == (1 if question.closed_at else 0)
