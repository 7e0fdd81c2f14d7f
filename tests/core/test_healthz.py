import time

import pytest
from django.db import connection
from django.test import override_settings

from riders_portal.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_are_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "database", "cache", "broker", "degraded")} == {
        "status": "ok",
        "database": "up",
        "cache": "up",
        "broker": "up",
        "degraded": [],
    }
    assert isinstance(body["cache_failures"], int)
    assert "no-cache" in response["Cache-Control"]


# Contract (docs/operations.md): 503 only when the database is down. A broker or cache outage
# leaves every page working, so the web process answers 200 "degraded" and is not restarted.
@pytest.mark.django_db
def test_healthz_is_200_degraded_when_the_broker_is_down(client, monkeypatch):
    # Nothing listens on port 1: a real refused connection, not a mock.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["degraded"] == ["broker"]
    assert (body["database"], body["broker"]) == ("up", "down")


@pytest.mark.django_db
def test_healthz_is_200_degraded_when_the_cache_is_down(client):
    dead = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.25},
        }
    }
    with override_settings(CACHES=dead):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and "cache" in body["degraded"]
    assert body["cache"] == "down" and body["database"] == "up"
    assert elapsed < 1


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_down(client):
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/riders.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
