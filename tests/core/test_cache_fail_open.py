"""Redis unreachable: the cache answers as empty (logged once, counted), pages and the API work."""

import logging
import pickle
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import token_issue
from core import cache as fail_open
from core.cache import FailOpenRedisCache
from tests.factories import DepartmentFactory, RiderFactory

# Nothing listens on port 1: every operation is a real refused connection, not a mock.
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_CACHES = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.25, "retry_after_failure": 5},
    }
}


def dead_cache(**options) -> FailOpenRedisCache:
    return FailOpenRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 0.25, **options}})


def test_every_operation_answers_as_an_empty_cache():
    backend = dead_cache()
    before = fail_open.cache_failure_count()
    assert backend.get("k") is None
    assert backend.get("k", "fallback") == "fallback"
    backend.set("k", 1)
    assert backend.add("k", 1) is True
    assert backend.get_or_set("figures", lambda: {"riders": 3}) == {"riders": 3}
    assert backend.incr("hits") == 1 and backend.decr("hits", 2) == -2
    assert backend.get_many(["a", "b"]) == {}
    assert backend.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert backend.has_key("k") is False and backend.delete("k") is False
    assert backend.touch("k") is False and backend.clear() is False
    backend.delete_many(["a"])
    assert fail_open.cache_failure_count() - before >= 14
    assert backend.ping() is False


def test_an_outage_is_logged_once_and_costs_one_connect_per_pause(caplog, monkeypatch):
    backend = dead_cache(retry_after_failure=5)
    connects = []
    real = backend._cache.get_client
    monkeypatch.setattr(
        backend._cache, "get_client", lambda *a, **k: connects.append(1) or real(*a, **k)
    )
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(50):
            backend.get("k")
    assert time.monotonic() - started < 1  # milliseconds, not 50 timeouts
    assert len(connects) == 1
    assert len([r for r in caplog.records if r.name == "core.cache"]) == 1


def test_the_cache_is_used_again_once_redis_answers(settings):
    from tests.conftest import require_service

    require_service(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    backend = FailOpenRedisCache(settings.REDIS_URL, {"OPTIONS": {"retry_after_failure": 0.2}})
    backend._down_until = time.monotonic() + 0.2  # as just after a failure
    backend.set("back", "yes")  # skipped: still pausing
    assert backend.get("back") is None
    time.sleep(0.25)
    backend.set("back", "yes")
    assert backend.get("back") == "yes"
    backend.delete("back")


def test_a_real_error_that_is_not_an_outage_still_raises():
    backend = dead_cache()
    with pytest.raises((pickle.PicklingError, AttributeError)):
        backend.set("k", lambda: 1)  # a value that cannot be stored is a bug, not an outage


@pytest.mark.django_db
def test_rider_home_answers_200_with_the_figures_from_the_database(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    with override_settings(CACHES=DEAD_CACHES):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    riders = next(f for f in response.context["figures"] if f.value is not None)
    assert riders.value >= 1


@pytest.mark.django_db
def test_api_answers_200_unthrottled_while_the_cache_is_down():
    _token, key = token_issue(label="officer", department=DepartmentFactory())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with override_settings(CACHES=DEAD_CACHES):
        codes = {api.get("/api/v1/categories/").status_code for _ in range(3)}
    assert codes == {200}


@pytest.mark.django_db
def test_the_throttle_fails_open_even_on_a_plain_redis_cache(caplog):
    """Django's own RedisCache raises ConnectionError; the throttle lets the request through."""
    _token, key = token_issue(label="officer", department=DepartmentFactory())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    plain = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.25},
        }
    }
    before = fail_open.failures["throttle"]
    with override_settings(CACHES=plain), caplog.at_level(logging.WARNING, logger="api.auth"):
        response = api.get("/api/v1/categories/")
    assert response.status_code == 200
    assert fail_open.failures["throttle"] == before + 1
    assert "letting the request through" in caplog.text


def test_the_configured_redis_cache_is_the_fail_open_one(settings):
    from tests.conftest import require_service

    require_service(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    assert isinstance(caches["default"], FailOpenRedisCache)
    assert settings.CACHES["default"]["OPTIONS"]["socket_connect_timeout"] <= 0.5
