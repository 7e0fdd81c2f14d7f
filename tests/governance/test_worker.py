"""Routing in a real Celery worker on Redis, and no report lost while the broker is down."""

import time
from decimal import Decimal

import pytest
from django.urls import reverse

from governance.models import Report, ReportStatus, RoutingRule
from governance.tasks import sweep_unrouted_reports
from riders_portal.celery import app as celery_app
from tests.factories import (
    DepartmentFactory,
    RiderFactory,
    category,
    photo_upload,
    qingdao_district,
)

pytestmark = pytest.mark.worker


def use_broker(url: str) -> None:
    """Point this process's producer at another broker URL (the worker keeps its own)."""
    celery_app.conf.broker_url = url
    # Drop the references only: kombu keeps one pool per URL, and the good one is reused.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def file_report(client, rider) -> Report:
    response = client.post(
        reverse("reports:new"),
        {
            "category": category("stairwell-clutter").pk,
            "description": "楼道堆满杂物",
            "district": qingdao_district("李沧区").pk,
            "latitude": "36.150000",
            "longitude": "120.430000",
            "photos": [photo_upload()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Report.objects.latest("id")


@pytest.fixture
def rider_client(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    department = DepartmentFactory()
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=department)
    return client, rider, department


def test_worker_routes_a_report_filed_in_the_portal_within_10_seconds(celery_worker, rider_client):
    client, rider, department = rider_client
    started = time.monotonic()
    report = file_report(client, rider)
    celery_worker(
        lambda: Report.objects.get(pk=report.pk).status == ReportStatus.ROUTED,
        timeout=10,
        what="the worker to route the report",
    )
    assert time.monotonic() - started < 10
    assert Report.objects.get(pk=report.pk).department == department


def test_report_filed_while_the_broker_is_down_is_kept_and_routed_later(
    celery_worker, rider_client, settings
):
    client, rider, _department = rider_client
    good_broker = celery_app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")  # nothing listens there: the broker is down
    try:
        report = file_report(client, rider)  # the rider still gets the normal confirmation
    finally:
        use_broker(good_broker)
    time.sleep(1)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    # The periodic sweep (beat, every minute) finds it once it is a minute old.
    Report.objects.filter(pk=report.pk).update(
        created_at=report.created_at.replace(year=report.created_at.year - 1)
    )
    sweep_unrouted_reports.delay()
    celery_worker(
        lambda: Report.objects.get(pk=report.pk).status == ReportStatus.ROUTED,
        what="the sweep to re-queue and the worker to route the report",
    )
    assert Decimal(Report.objects.get(pk=report.pk).latitude) == Decimal("36.150000")
