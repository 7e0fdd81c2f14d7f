"""GET /api/v1/stats/: a department's own scorecard, nobody else's; bad input is a 400."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from api.services import token_issue
from governance.models import FixAnswer, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db
S = ReportStatus
URL = "/api/v1/stats/"


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def routed(department, at, *, ack=None, closed=None, status=S.ROUTED, **kwargs):
    return ReportFactory(
        department=department,
        status=status,
        routed_at=at,
        due_at=at + dt.timedelta(hours=24),
        acknowledged_at=at + dt.timedelta(hours=ack) if ack is not None else None,
        closed_at=at + dt.timedelta(hours=closed) if closed is not None else None,
        **kwargs,
    )


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing")


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer 1", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def march(department):
    """Own: one on time (ack 1 h, closed 10 h) answered 满意, one late (ack 5 h, closed 30 h,
    reopened) accepted by default, one in April. Another department: three on time."""
    on_time = routed(department, local(2026, 3, 1, 0, 30), ack=1, closed=10, status=S.RESOLVED)
    late = routed(
        department, local(2026, 3, 9), ack=5, closed=30, status=S.CONFIRMED, reopen_count=1
    )
    routed(department, local(2026, 4, 1, 7), ack=1, closed=2, status=S.RESOLVED)
    FixAnswer.objects.create(
        report=on_time, rider=RiderFactory(), round=0, outcome="fixed", satisfaction="satisfied"
    )
    FixAnswer.objects.create(
        report=late,
        rider=RiderFactory(),
        round=1,
        outcome="fixed",
        satisfaction="satisfied",
        by_default=True,
    )
    other = DepartmentFactory(code="other")
    for day in (2, 3, 4):
        routed(other, local(2026, 3, day), ack=1, closed=1, status=S.RESOLVED, is_overdue=False)
    routed(other, local(2026, 3, 5), is_overdue=True)


def test_own_month(api, march):
    response = api.get(URL, {"month": "2026-03"})
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "start": "2026-03-01",
        "end": "2026-03-31",
        "received": 2,  # not April's, nor the other department's four
        "responded_in_time": 1,
        "response_rate": 50.0,
        "first_response_hours": 2,
        "closed_by_deadline": 1,
        "closed_by_deadline_rate": 50.0,
        "reopened": 1,
        "reopen_rate": 50.0,
        "real_answers": 1,
        "satisfied_answers": 1,
        "satisfaction_rate": 100.0,
        "default_accepted": 1,
        "default_accepted_share": 50.0,
        "median_hours_to_close": 20.0,
        "p90_hours_to_close": 28.0,
        "overdue_now": 0,  # the other department's overdue report is not ours
    }


def test_range(api, march):
    response = api.get(URL, {"start": "2026-03-01", "end": "2026-03-01"})
    assert response.status_code == 200
    assert (response.json()["received"], response.json()["median_hours_to_close"]) == (1, 10.0)


def test_other_department_sees_only_its_own(march):
    other = DepartmentFactory(code="other")
    _token, key = token_issue(label="officer 2", department=other)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = client.get(URL, {"month": "2026-03"}).json()
    assert (body["received"], body["response_rate"], body["overdue_now"]) == (
        4,
        75.0,
        1,
    )  # 3 of 4 acknowledged in time


def test_without_a_period_this_month(api):
    body = api.get(URL).json()
    assert body["start"].endswith("-01") and body["received"] == 0
    assert body["response_rate"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "march"}, "month"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "non_field_errors"),
        ({"start": "2026-03-02"}, "non_field_errors"),
        ({"month": "2026-03", "start": "2026-03-01", "end": "2026-03-02"}, "non_field_errors"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "non_field_errors"),
        ({"month": "0000-01"}, "month"),
        ({"start": ""}, "start"),
        ({"month": "9999-12"}, "month"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "non_field_errors"),
    ],
)
def test_bad_input_is_400(api, query, field):
    response = api.get(URL, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]


def test_needs_a_token():
    response = APIClient().get(URL)
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_in_the_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/stats/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"month", "start", "end"}
    assert "400" in operation["responses"]
