"""The department API and priority (issue 14): the `priority` field, `?priority=`, urgent first
across pages with a keyset cursor (priority, due_at, id), hostile cursors, scoping, constant
queries, and PostgreSQL serving the queue from report_department_queue_idx."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core import signing
from django.db import connection
from rest_framework.test import APIClient

from api.pagination import CURSOR_SALT
from api.services import token_issue
from governance import services, workflow
from governance.models import Priority, Report
from tests.factories import DepartmentFactory, ReportFactory, category

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def routed(department, when=T0, priority=None, **kwargs) -> Report:
    with time_machine.travel(when, tick=False):
        report = workflow.route(ReportFactory(**kwargs), department=department)
        if priority is not None:
            report = services.report_prioritise(
                report=report, priority=priority, reason="分级", by=None
            )
    return report


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [r["id"] for r in response.json()["results"]]


def walk(api, url: str) -> list[str]:
    seen = []
    while url:
        body = api.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    return seen


def test_priority_in_list_and_detail(api, department):
    fire = routed(department, category=category("blocked-fire-lane"))
    plain = routed(department, latitude=36.5)
    rows = {r["id"]: r for r in api.get("/api/v1/reports/").json()["results"]}
    assert rows[fire.public_id]["priority"] == "urgent"
    assert rows[plain.public_id]["priority"] == "normal"
    detail = api.get(f"/api/v1/reports/{plain.public_id}/").json()
    assert detail["priority"] == "normal"
    # The dispatcher's change is on the department's timeline, in the reader's language.
    routed_low = services.report_prioritise(
        report=plain, priority="low", reason="外观问题", by=None
    )
    detail = api.get(f"/api/v1/reports/{routed_low.public_id}/").json()
    assert detail["priority"] == "low"
    assert detail["timeline"][-1]["kind"] == "priority"
    assert detail["timeline"][-1]["note"] == "Priority: Normal → Low: 外观问题"


def test_filter_by_priority(api, department):
    urgent = routed(department, category=category("fire-hazard"))
    normal = routed(department, latitude=36.5)
    low = routed(department, latitude=36.6, priority="low")
    assert ids(api.get("/api/v1/reports/?priority=urgent")) == [urgent.public_id]
    assert ids(api.get("/api/v1/reports/?priority=normal")) == [normal.public_id]
    assert ids(api.get("/api/v1/reports/?priority=low")) == [low.public_id]


@pytest.mark.parametrize("value", ["high", "1", "", "URGENT"])
def test_a_bad_priority_filter_is_a_400(api, department, value):
    response = api.get(f"/api/v1/reports/?priority={value}")
    assert response.status_code == 400
    assert "priority" in response.json()["error"]["fields"]


def test_urgent_first_then_due_time_across_pages(api, department):
    # Made in an order unlike the queue's: normal ones due early, urgent ones late, low first.
    made = []
    for n in range(3):
        made.append(routed(department, when=T0 + dt.timedelta(hours=n), latitude=36 + n / 10))
    for n in range(3):
        made.append(
            routed(
                department,
                when=T0 + dt.timedelta(hours=10 + n),
                priority="urgent",
                latitude=37 + n / 10,
            )
        )
    for n in range(2):
        made.append(
            routed(
                department, when=T0 - dt.timedelta(hours=n), priority="low", latitude=38 + n / 10
            )
        )
    # Ties on due_at too, so the cursor must hold the id as well.
    twins = [
        routed(department, when=T0 + dt.timedelta(hours=20), latitude=39 + n / 10) for n in range(3)
    ]
    expected = [
        r.public_id
        for r in sorted(
            Report.objects.filter(pk__in=[r.pk for r in made + twins]),
            key=lambda r: (r.priority, r.due_at, r.pk),
        )
    ]
    assert expected[:3] == [r.public_id for r in made[3:6]]  # the urgent ones
    assert walk(api, "/api/v1/reports/?page_size=2") == expected
    assert walk(api, "/api/v1/reports/?page_size=1") == expected
    assert walk(api, "/api/v1/reports/?page_size=200") == expected


def test_previous_goes_back_page_by_page(api, department):
    for n in range(5):
        routed(department, when=T0 + dt.timedelta(hours=n), latitude=36 + n / 10)
    first = api.get("/api/v1/reports/?page_size=2").json()
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert third["next"] is None and len(third["results"]) == 1
    back = api.get(third["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
    start = api.get(back["previous"]).json()
    assert [r["id"] for r in start["results"]] == [r["id"] for r in first["results"]]
    assert start["previous"] is None
    assert api.get(start["next"]).json()["results"] == second["results"]


def test_the_cursor_keeps_the_filters(api, department):
    for n in range(3):
        routed(department, when=T0 + dt.timedelta(hours=n), priority="urgent", latitude=36 + n / 10)
    routed(department, latitude=37)
    first = api.get("/api/v1/reports/?priority=urgent&page_size=2").json()
    assert "priority=urgent" in first["next"]
    assert len(walk(api, "/api/v1/reports/?priority=urgent&page_size=2")) == 3


def _cursor(values, reverse=0) -> str:
    return signing.dumps({"v": values, "r": reverse}, salt=CURSOR_SALT, compress=True)


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "%00",
        "eyJ2IjpbMSwiMjAyNi0wMS0wMSIsMV0sInIiOjB9",  # unsigned base64 JSON
        [1, "2026-01-01T00:00:00+00:00"],  # signed, but too short
        ["x", "2026-01-01T00:00:00+00:00", 1],  # not a number
        [1, "not a date", 1],
        [None, None, None],  # priority and id are never null
        "signed text",
    ],
    ids=["nonsense", "nul", "unsigned", "short", "not-a-number", "not-a-date", "nulls", "text"],
)
def test_a_tampered_cursor_is_a_404_not_a_500(api, department, cursor):
    routed(department)
    if isinstance(cursor, list) or cursor == "signed text":
        cursor = _cursor("text" if cursor == "signed text" else cursor)
    response = api.get(f"/api/v1/reports/?cursor={cursor}")
    assert response.status_code in (400, 404), response.content[:300]
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_a_cursor_after_the_last_row_is_an_empty_page(api, department):
    report = routed(department)
    cursor = _cursor([report.priority, report.due_at.isoformat(), report.pk])
    body = api.get(f"/api/v1/reports/?cursor={cursor}").json()
    assert body["results"] == [] and body["next"] is None


def test_another_departments_reports_are_never_listed(api, department):
    mine = routed(department)
    other = DepartmentFactory()
    theirs = [routed(other, priority="urgent", latitude=37 + n / 10) for n in range(3)]
    assert walk(api, "/api/v1/reports/?page_size=1") == [mine.public_id]
    assert ids(api.get("/api/v1/reports/?priority=urgent")) == []
    # A cursor positioned on their rows still lists only ours.
    cursor = _cursor([Priority.URGENT, theirs[0].due_at.isoformat(), theirs[0].pk])
    assert ids(api.get(f"/api/v1/reports/?cursor={cursor}")) == [mine.public_id]
    assert api.get(f"/api/v1/reports/{theirs[0].public_id}/").status_code == 404


def test_constant_queries_at_two_sizes_on_every_page(
    api, department, django_assert_max_num_queries
):
    for size in (2, 30):
        for n in range(size):
            routed(department, priority="urgent" if n % 3 == 0 else None, latitude=30 + n / 100)
        first = api.get("/api/v1/reports/?page_size=5").json()
        for url in ("/api/v1/reports/?page_size=5", first["next"] or "/api/v1/reports/"):
            with django_assert_max_num_queries(10):
                assert api.get(url).status_code == 200


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's planner")
def test_postgresql_serves_the_queue_from_its_index(api, department):
    others = [DepartmentFactory() for _ in range(4)]
    stairwell = category()
    rider = ReportFactory().rider
    rows = []
    for n in range(4000):
        rows.append(
            Report(
                rider=rider,
                category=stairwell,
                district=rider.district,
                description="x",
                latitude=36,
                longitude=120,
                status="routed",
                department=[*others, department][n % 5],
                priority=1 + n % 3,
                routed_at=T0,
                due_at=T0 + dt.timedelta(minutes=n),
            )
        )
    Report.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE governance_report")
    from api.views import DueTimeCursor

    paginator = DueTimeCursor()
    paginator.model = Report
    last = Report.objects.filter(department=department).order_by("priority", "due_at", "id")[400]
    queryset = (
        Report.objects.filter(department=department)
        .filter(paginator._beyond([last.priority, last.due_at, last.pk], before=False))
        .order_by(*paginator._order(False))[:51]
    )
    plan = queryset.explain()
    assert "report_department_queue_idx" in plan, plan
    assert "Sort" not in plan, plan
    # And the API answers from it.
    body = api.get("/api/v1/reports/?page_size=50").json()
    assert [r["priority"] for r in body["results"]] == ["urgent"] * 50
    assert parse_qs(urlparse(body["next"]).query)["cursor"]
