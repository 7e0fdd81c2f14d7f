"""Database unreachable: 503 in each interface's own shape (API JSON, Open311, the rider page)."""

import pytest
from django.db import connection
from django.test import Client


@pytest.fixture
def database_down(transactional_db):
    """Point this process's connection at a port where nothing listens (a real refusal)."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/riders.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def web():
    # A real server answers; the test client would re-raise what the middleware handled.
    return Client(raise_request_exception=False)


def test_api_answers_a_json_503_not_an_html_500(database_down, web):
    response = web.get("/api/v1/reports/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "unavailable"
    assert response.json()["error"]["message"]
    assert int(response["Retry-After"]) > 0


def test_open311_answers_503_in_the_georeport_error_shape(database_down, web):
    response = web.get("/open311/v2/services.json")
    assert response.status_code == 503
    assert response.json()[0]["code"] == 503 and response.json()[0]["description"]
    xml = web.get("/open311/v2/requests.xml")
    assert xml.status_code == 503
    assert b"<errors><error><code>503</code>" in xml.content


def test_a_signed_in_rider_gets_the_friendly_503_page(database_down, web):
    # The session is read before any view runs (middleware): the 500 is still turned into 503.
    web.cookies["sessionid"] = "a" * 32
    response = web.get("/")
    assert response.status_code == 503
    assert "暂时无法服务" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_other_errors_are_left_alone(db, web, monkeypatch):
    from portal import views

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(views, "home_figures", broken)
    from tests.factories import RiderFactory

    web.force_login(RiderFactory().user)
    assert web.get("/").status_code == 500
