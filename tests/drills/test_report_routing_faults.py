"""Drills on report routing: the broker down when riders file, the worker killed mid-batch."""

import time

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from governance.models import Report, ReportEvent, ReportStatus, RoutingRule
from governance.tasks import route_report, sweep_unrouted_reports
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    category,
    photo_upload,
    qingdao_district,
)

pytestmark = [pytest.mark.drill, pytest.mark.worker]

# A report leaves "submitted" exactly once, by one of these timeline events.
FIRST_MOVES = [
    ReportEvent.Kind.ROUTED,
    ReportEvent.Kind.DUPLICATE,
    ReportEvent.Kind.TO_DISPATCHER,
]


def outcome(report_ids: list[int]) -> tuple[int, int]:
    """(lost, duplicated): reports still submitted, reports moved on more than once."""
    lost = Report.objects.filter(pk__in=report_ids, status=ReportStatus.SUBMITTED).count()
    moves = (
        ReportEvent.objects.filter(report_id__in=report_ids, kind__in=FIRST_MOVES)
        .values("report_id")
        .annotate(n=Count("id"))
    )
    return lost, sum(1 for row in moves if row["n"] > 1)


def test_reports_filed_while_the_broker_is_down_are_all_routed_after_it_returns(
    redis_server, drill_worker, drill_record
):
    """Broker (Redis) killed while riders file reports: every rider gets the normal confirmation
    at once, and every report is routed exactly once by the real worker after the broker is back.
    """
    worker = drill_worker(broker_url=redis_server.url)
    RoutingRule.objects.create(
        category=category("stairwell-clutter"), department=DepartmentFactory()
    )
    riders = [RiderFactory() for _ in range(5)]
    redis_server.stop()
    ids, slowest = [], 0.0
    for n, rider in enumerate(riders):
        client = Client(raise_request_exception=False)
        client.force_login(rider.user)
        started = time.monotonic()
        response = client.post(
            reverse("reports:new"),
            {
                "category": category("stairwell-clutter").pk,
                "description": "楼道堆满杂物",
                "district": qingdao_district("李沧区").pk,
                # Far apart, so none is linked to another as a duplicate.
                "latitude": f"36.{100000 + n * 20000}",
                "longitude": "120.430000",
                "photos": [photo_upload()],
            },
        )
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 302, response.content.decode()[:300]
        ids.append(Report.objects.filter(rider=rider).latest("id").pk)
    assert outcome(ids)[0] == len(ids)  # all kept, none routed yet
    redis_server.start()
    sweep_unrouted_reports.delay()  # what beat sends every minute
    recovered = worker.wait_until(
        lambda: outcome(ids)[0] == 0, timeout=90, what="every report to be routed"
    )
    lost, duplicated = outcome(ids)
    assert (lost, duplicated) == (0, 0)
    assert slowest < 3  # the publish fails fast; the rider is not kept waiting
    drill_record(
        load=f"{len(ids)} riders file a report with a photo through the portal",
        fault="broker (Redis) SIGKILLed before the first report, restarted empty after the last",
        requests=len(ids),
        server_errors=0,
        lost=lost,
        duplicated=duplicated,
        max_ms=round(slowest * 1000),
        recover_s=round(recovered, 1),
    )


def test_worker_killed_mid_batch_loses_and_doubles_no_report(
    redis_url_required, drill_worker, drill_record
):
    """Worker process group SIGKILLed while routing a batch of 200 reports: after a restart and
    the sweep every report is routed, none lost and none routed twice.
    """
    department = DepartmentFactory()
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=department)
    reports = [ReportFactory() for _ in range(200)]
    ids = [r.pk for r in reports]
    worker = drill_worker(broker_url=redis_url_required, pool="prefork", concurrency=2)
    with transaction.atomic():
        for report_id in ids:
            transaction.on_commit(lambda i=report_id: route_report.delay(i))
    worker.wait_until(
        lambda: outcome(ids)[0] <= len(ids) - 20, timeout=60, what="the batch to be under way"
    )
    worker.kill9()
    at_kill = len(ids) - outcome(ids)[0]
    assert at_kill < len(ids), "the batch finished before the kill; the drill staged nothing"
    started = time.monotonic()
    worker.start()
    sweep_unrouted_reports.delay()  # unacked messages of the dead worker wait for redelivery
    worker.wait_until(
        lambda: outcome(ids)[0] == 0, timeout=120, what="every report to be routed after restart"
    )
    lost, duplicated = outcome(ids)
    assert (lost, duplicated) == (0, 0)
    assert Report.objects.filter(pk__in=ids, department=department).count() + Report.objects.filter(
        pk__in=ids, status=ReportStatus.DUPLICATE
    ).count() == len(ids)
    drill_record(
        load=f"{len(ids)} route_report tasks queued at once, prefork worker, concurrency 2",
        fault=f"worker process group SIGKILLed after {at_kill} of {len(ids)} were routed",
        tasks=len(ids),
        server_errors=0,
        lost=lost,
        duplicated=duplicated,
        recover_s=round(time.monotonic() - started, 1),
    )
