"""The process's token → department cache (api/auth.py) and the fixed-window throttle."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from api import auth
from api.auth import REVOCATION_KEY, TokenRateThrottle
from api.models import ApiToken
from api.services import token_issue, token_revoke
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing")


@pytest.fixture
def issued(department):
    token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return token, client


def token_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/departments/").status_code == 200
    return sum('"api_apitoken"' in query["sql"] for query in queries.captured_queries)


def another_process_revokes(token: ApiToken) -> None:
    """What this process sees when another one revokes: the row changes, the counter moves."""
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # no signal here
    if not cache.add(REVOCATION_KEY, 1, None):
        cache.incr(REVOCATION_KEY)


def test_a_token_is_read_once_then_served_from_the_process(issued):
    _token, client = issued
    assert token_queries(client) >= 1
    assert token_queries(client) == 0


def test_revoking_takes_effect_at_once_in_this_process(issued):
    token, client = issued
    token_queries(client)
    token_revoke(token=token)
    assert client.get("/api/v1/departments/").status_code == 401


def test_another_processs_revocation_takes_effect_within_the_check_interval(issued, monkeypatch):
    token, client = issued
    now = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: now[0])
    auth._version["read_at"] = -float("inf")
    assert client.get("/api/v1/departments/").status_code == 200
    another_process_revokes(token)
    # Within the interval the process has not looked at the counter yet: the documented bound.
    assert client.get("/api/v1/departments/").status_code == 200
    now[0] += auth.REVOCATION_CHECK_SECONDS
    assert client.get("/api/v1/departments/").status_code == 401


def test_without_the_shared_counter_a_copy_lives_at_most_its_ttl(issued, monkeypatch):
    token, client = issued
    now = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: now[0])
    assert client.get("/api/v1/departments/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # counter unmoved
    now[0] += auth.token_cache_seconds() - 1
    assert client.get("/api/v1/departments/").status_code == 200
    now[0] += 1
    assert client.get("/api/v1/departments/").status_code == 401


def test_a_deactivated_department_is_refused_at_once(issued, department):
    _token, client = issued
    token_queries(client)
    department.is_active = False
    department.save()
    assert client.get("/api/v1/departments/").status_code == 403


def test_unknown_keys_are_not_cached():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "x" * 40)
    assert client.get("/api/v1/departments/").status_code == 401
    assert client.get("/api/v1/departments/").status_code == 401
    assert not any(entry[2] is None for entry in auth._tokens.values())


# --- The throttle: a fixed window counted with one Redis round trip --------------------------


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(
        TokenRateThrottle,
        "THROTTLE_RATES",
        {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/minute"},
    )


def test_the_limit_per_window_then_429_with_the_seconds_left(issued, three_a_minute, monkeypatch):
    _token, client = issued
    now = [60_000.0 + 15]  # 15 s into a minute
    monkeypatch.setattr(TokenRateThrottle, "timer", lambda self: now[0])
    codes = [client.get("/api/v1/categories/").status_code for _ in range(3)]
    refused = client.get("/api/v1/categories/")
    assert codes == [200, 200, 200]
    assert refused.status_code == 429 and refused["Retry-After"] == "45"
    assert refused.json()["error"]["code"] == "throttled"
    now[0] += 45  # the next window
    assert client.get("/api/v1/categories/").status_code == 200


def test_each_token_has_its_own_window(issued, department, three_a_minute):
    _token, client = issued
    for _ in range(3):
        client.get("/api/v1/categories/")
    assert client.get("/api/v1/categories/").status_code == 429
    _other, key = token_issue(label="officer 2", department=department)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get("/api/v1/categories/").status_code == 200


def test_the_counter_is_one_small_integer(issued, three_a_minute):
    token, client = issued
    client.get("/api/v1/categories/")
    client.get("/api/v1/categories/")
    throttle = TokenRateThrottle()
    window = int(throttle.timer() // throttle.duration)
    assert cache.get(f"throttle_token_{token.pk}:{window}") == 2


def test_the_throttle_fails_open_when_the_cache_is_down(issued, three_a_minute, monkeypatch):
    _token, client = issued

    def down(*args, **kwargs):
        raise RedisError("down")

    monkeypatch.setattr(auth, "window_count", down)
    assert all(client.get("/api/v1/categories/").status_code == 200 for _ in range(5))
