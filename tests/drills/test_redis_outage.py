"""Drill: Redis (cache and broker) dies while riders browse and departments use the API."""

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from api.services import token_issue
from core import cache as fail_open
from governance import workflow
from governance.models import Report, ReportEvent, ReportStatus, RoutingRule
from governance.tasks import sweep_unrouted_reports
from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    category,
    course_with_sessions,
    merchant,
    photo_upload,
    qingdao_district,
)
from volunteering.models import Team

pytestmark = [pytest.mark.drill, pytest.mark.worker]

RIDER_NAMESPACES = {
    "core",
    "portal",
    "riders",
    "reports",
    "rewards",
    "apartments",
    "canteen",
    "merchants",
    "subsidies",
    "growth",
    "volunteering",
}
# Not a page a rider browses: POST-only actions, files from storage, staff desks, the health check.
NOT_BROWSED = {
    "core:language",
    "core:healthz",
    "riders:sign_out",
    "riders:inbox_mark_read",
    "reports:join",
    "reports:check",  # a POST-only form action, like join
    "reports:answer",  # the answer to a department's question: POST-only too
    "reports:photo",
    "reports:photo_thumb",
    "reports:evidence",
    "reports:evidence_thumb",
    "reports:answer_photo",  # a rider's own photo of a check or an answer: files, like photos
    "reports:answer_photo_thumb",
    "reports:question_photo",
    "reports:question_photo_thumb",
    "rewards:benefit_picture",
    "rewards:honour_photo",
    "rewards:voucher_counter",
    "apartments:accept",
    "apartments:decline",
    "apartments:cancel",
    "apartments:photo",
    "canteen:meal_picture",
    "canteen:cancel",
    "canteen:counter",
    "subsidies:proof",
    "growth:enrol",
    "growth:cancel",
    "volunteering:sign_up",
    "volunteering:cancel",
    "volunteering:attendance",
}


def url_names(namespaces: set[str]) -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in namespaces:
            names |= {f"{entry.namespace}:{p.name}" for p in entry.url_patterns if p.name}
    return names


def world() -> dict:
    """One rider with something on every page, a department with a token and a routed report."""
    rider = RiderFactory()
    department = DepartmentFactory()
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=department)
    mine = workflow.route(ReportFactory(rider=rider), department=department)
    meal = canteen_with_meal()
    benefit = BenefitFactory()
    team = Team.objects.create(name="李沧志愿队", leader=rider, founded_on=dt.date(2025, 1, 1))
    apartment_with_beds()
    course_with_sessions()
    merchant()
    _token, key = token_issue(label="drill officer", department=department)
    return {
        "rider": rider,
        "department": department,
        "report": mine,
        "meal": meal,
        "benefit": benefit,
        "team": team,
        "key": key,
    }


def rider_urls(w: dict) -> dict[str, str]:
    args = {
        "reports:detail": {"public_id": w["report"].public_id},
        "canteen:order": {"pk": w["meal"].pk},
        "rewards:redeem": {"pk": w["benefit"].pk},
        "volunteering:team": {"pk": w["team"].pk},
        "growth:certificate": {"code": "NOSUCHCODE"},  # a 404 is an answer, not an outage
    }
    names = url_names(RIDER_NAMESPACES) - NOT_BROWSED
    return {name: reverse(name, kwargs=args.get(name)) for name in sorted(names)}


def api_urls(w: dict) -> dict[str, str]:
    report, code = w["report"].public_id, w["report"].category.code
    urls = {
        "api:reports": "/api/v1/reports/",
        "api:report": f"/api/v1/reports/{report}/",
        "api:categories": "/api/v1/categories/",
        "api:schema": reverse("api:schema"),
        "api:docs": reverse("api:docs"),
    }
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "open311":
            for pattern in entry.url_patterns:
                if not pattern.name:  # the catch-all 404 in the spec's shape
                    urls["open311:not_found"] = "/open311/v2/nope.json"
                    continue
                keys = set(pattern.pattern.regex.groupindex)
                if keys - {"fmt", "service_code", "service_request_id", "token", "path"}:
                    pytest.fail(f"open311:{pattern.name} takes {keys}: teach the drill its values")
                values = {
                    "fmt": "json",
                    "service_code": code,
                    "service_request_id": report,
                    "token": "nosuchtoken",
                    "path": "nope.json",
                }
                urls[f"open311:{pattern.name}"] = reverse(
                    f"open311:{pattern.name}", kwargs={k: values[k] for k in keys}
                )
    return urls


def browse(client: Client, urls: dict[str, str], **headers) -> list[tuple[str, int, float]]:
    results = []
    for name, url in urls.items():
        started = time.monotonic()
        status = client.get(url, **headers).status_code
        results.append((name, status, time.monotonic() - started))
    return results


def file_report(client: Client) -> Report:
    response = client.post(
        reverse("reports:new"),
        {
            "category": category("stairwell-clutter").pk,
            "description": "停电期间提交的楼道杂物",
            "district": qingdao_district("李沧区").pk,
            "latitude": "36.250000",
            "longitude": "120.530000",
            "photos": [photo_upload()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Report.objects.latest("id")


def test_riders_and_departments_get_no_5xx_while_redis_is_down_and_queued_work_is_done_after(
    redis_server, drill_worker, drill_record, settings
):
    """Redis (cache and broker) killed during browsing and API use: every rider page and API
    endpoint answers without a 5xx, and a report filed meanwhile is routed by the real worker
    after Redis returns.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "drill",
            "OPTIONS": {
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.5,
                "retry_after_failure": 1,
            },
        }
    }
    worker = drill_worker(broker_url=redis_server.url)
    w = world()
    rider = Client(raise_request_exception=False)
    rider.force_login(w["rider"].user)
    department = Client(raise_request_exception=False)
    auth = {"HTTP_AUTHORIZATION": f"Token {w['key']}"}
    pages, endpoints = rider_urls(w), api_urls(w)
    assert {"portal:home", "reports:list", "reports:new", "portal:me"} <= set(pages)

    # Before the fault: everything answers, the worker routes (the setup is sound).
    healthy = browse(rider, pages) + browse(department, endpoints, **auth)
    assert [r for r in healthy if r[1] >= 500] == []
    assert rider.get("/healthz").json()["status"] == "ok"

    failures_before = fail_open.cache_failure_count()
    redis_server.stop()
    outage_started = time.monotonic()
    during = []
    for _ in range(2):  # twice: the first pass meets the outage, the second the pause after it
        during += browse(rider, pages) + browse(department, endpoints, **auth)
    anonymous = Client(raise_request_exception=False)
    sign_in = anonymous.post(reverse("riders:sign_in"), {"phone": w["rider"].phone})
    during.append(("riders:sign_in POST", sign_in.status_code, 0.0))
    started = time.monotonic()
    acknowledged = department.post(
        f"/api/v1/reports/{w['report'].public_id}/acknowledge/",
        {"note": "停电期间受理"},
        content_type="application/json",
        **auth,
    )
    during.append(("api:acknowledge POST", acknowledged.status_code, time.monotonic() - started))
    started = time.monotonic()
    filed = file_report(rider)
    during.append(("reports:new POST", 302, time.monotonic() - started))
    health = rider.get("/healthz")
    outage_seconds = time.monotonic() - outage_started

    server_errors = [r for r in during if r[1] >= 500]
    assert server_errors == [], server_errors
    assert acknowledged.status_code == 200, acknowledged.content
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert set(health.json()["degraded"]) == {"cache", "broker"}
    assert fail_open.cache_failure_count() > failures_before
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.SUBMITTED  # nothing was sent

    redis_server.start()  # empty: whatever the old Redis held (queued messages) is gone
    sweep_unrouted_reports.delay()  # what beat sends every minute
    recovered = worker.wait_until(
        lambda: Report.objects.get(pk=filed.pk).status != ReportStatus.SUBMITTED,
        timeout=90,
        what="the sweep to re-queue and the worker to route the report filed during the outage",
    )
    assert Report.objects.get(pk=filed.pk).status == ReportStatus.ROUTED
    routed_events = ReportEvent.objects.filter(report=filed, kind=ReportEvent.Kind.ROUTED).count()
    assert routed_events == 1
    time.sleep(1.1)  # the cache's pause after the last failure
    assert rider.get("/healthz").json()["status"] == "ok"

    latencies = sorted(r[2] for r in during)
    drill_record(
        load=(
            f"{len(pages)} rider pages and {len(endpoints)} API/Open311 endpoints, twice; "
            "a sign-in, a department acknowledgement and a report filed during the outage"
        ),
        fault="Redis (cache + broker) SIGKILLed for the whole pass, restarted empty",
        requests=len(during),
        server_errors=len(server_errors),
        lost=0 if routed_events == 1 else 1,
        duplicated=max(0, routed_events - 1),
        p50_ms=round(latencies[len(latencies) // 2] * 1000),
        max_ms=round(latencies[-1] * 1000),
        outage_s=round(outage_seconds, 1),
        recover_s=round(recovered, 1),
        cache_failures=fail_open.cache_failure_count() - failures_before,
    )
