"""Runs side by side (pytest-xdist workers, two runs on one machine) share no database or broker.

`make test` runs the suite on several xdist workers. Worker gwN has its own test database
(pytest-django's `_gwN`; on SQLite a file of its own process) and its own Redis database
(REDIS_URL's number + N), and the real Celery workers it starts use both; otherwise gw0's
`cache.clear()` would flush gw1's queued tasks, or gw1's Celery worker would run gw0's tasks
against the wrong database.
"""

import os
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from riders_portal.celery import app as celery_app
from tests.conftest import REDIS_URL_GIVEN, require_service, xdist_worker_index

WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def redis_number(url: str) -> int:
    return int(urlsplit(url).path.strip("/") or 0)


@pytest.mark.django_db
def test_the_test_database_is_this_processs_own():
    name = str(connection.settings_dict["NAME"])
    if WORKER:
        assert name.endswith(f"_{WORKER}")
    if connection.vendor == "sqlite":
        # Not the fixed var/ path another run would delete and re-create meanwhile.
        assert "/riders-portal-tests-" in name
        assert not name.startswith(str(settings.VAR_DIR))


def test_cache_broker_and_subprocesses_use_this_workers_redis_database():
    require_service(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    expected = redis_number(REDIS_URL_GIVEN) + xdist_worker_index()
    assert redis_number(settings.REDIS_URL) == expected
    assert redis_number(settings.CACHES["default"]["LOCATION"]) == expected
    assert redis_number(celery_app.conf.broker_url) == expected
    assert redis_number(os.environ["REDIS_URL"]) == expected  # what subprocesses inherit

    import redis

    cache.set("parallel-run-probe", WORKER or "single")
    key = cache.make_key("parallel-run-probe")
    assert redis.Redis.from_url(settings.REDIS_URL).exists(key)
    if expected != redis_number(REDIS_URL_GIVEN):
        assert not redis.Redis.from_url(REDIS_URL_GIVEN).exists(key)


@pytest.mark.worker
def test_the_real_worker_consumes_from_this_workers_redis_database(celery_worker_factory):
    worker = celery_worker_factory()
    banner = next(line for line in worker.log if "transport:" in line)
    assert banner.rstrip().endswith(f"/{redis_number(settings.REDIS_URL)}"), banner
