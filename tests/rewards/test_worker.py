"""A real Celery worker pays a report resolved through the department API and confirmed by
its rider, once."""

import pytest
from rest_framework.test import APIClient

from api.services import token_issue
from governance import services, workflow
from rewards.models import Award, LedgerEntry, PointsAccount
from rewards.tasks import award_report
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.worker


def rider_says_fixed(report) -> None:
    services.report_check(
        rider=report.rider, report=report, outcome="fixed", satisfaction="satisfied"
    )


def test_worker_credits_a_report_resolved_through_the_api_exactly_once(celery_worker):
    department = DepartmentFactory()
    _token, key = token_issue(label="desk", department=department)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    report = workflow.route(ReportFactory(), department=department)

    response = api.post(
        f"/api/v1/reports/{report.public_id}/resolve/", {"note": "杂物已清理"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not Award.objects.filter(report=report).exists()  # the rider checks first
    rider_says_fixed(report)
    celery_worker(
        lambda: Award.objects.filter(report=report).count() == 2,
        what="the worker to write the awards",
    )
    # Re-delivered messages (a retry, a sweep, a double click) pay nothing more. A second
    # report queued after them tells us when the worker got past them.
    award_report.delay(report.pk)
    award_report.delay(report.pk)
    later = workflow.route(ReportFactory(), department=department)
    api.post(f"/api/v1/reports/{later.public_id}/resolve/", {"note": "已处理"}, format="json")
    rider_says_fixed(later)
    celery_worker(
        lambda: Award.objects.filter(report=later).count() == 2,
        what="the worker to get past the repeated messages",
    )
    assert Award.objects.filter(report=report).count() == 2
    assert LedgerEntry.objects.filter(rider=report.rider).count() == 1
    assert PointsAccount.objects.get(rider=report.rider).balance == 10
