"""The installable portal: the service worker at /sw.js (headers, what it keeps, its version),
its offline page, the favicon, and the tag that tells the worker whose pages it holds."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from core import pwa
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


def version_of(client) -> str:
    body = client.get("/sw.js").content.decode()
    return re.search(r'var VERSION = "([0-9a-f]{12})";', body).group(1)


def test_the_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    # The browser must ask each time, or a deploy goes unseen until the HTTP cache expires.
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_the_worker_keeps_the_shell_and_the_offline_page(client):
    body = client.get("/sw.js").content.decode()
    for name in ("css/portal.css", "icons/sprite.svg", "icons/favicon.ico"):
        assert f'"{settings.STATIC_URL}{name}"' in body
    assert 'var OFFLINE = "/offline/";' in body


def test_every_shell_file_exists(client):
    # One missing file and the worker's install (cache.addAll) fails as a whole.
    for name in pwa.SHELL_STATIC:
        assert finders.find(name), name
    for url in pwa.shell_urls():
        assert url.startswith(settings.STATIC_URL)


def test_the_worker_never_keeps_private_or_session_pages(client):
    body = client.get("/sw.js").content.decode()
    private = re.search(r"var PRIVATE = /(.+)/;", body).group(1)
    for part in ("admin", "desk", "api", "sign-in", "sign-out", "hall", "open311"):
        assert part in private
    assert 'request.method !== "GET"' in body


def test_the_version_changes_when_a_shell_file_changes(client, settings, tmp_path):
    before = version_of(client)
    assert version_of(client) == before  # the same files, the same version
    static = tmp_path / "static"
    shutil.copytree(Path(settings.BASE_DIR) / "static", static)
    with (static / "css" / "portal.css").open("a") as f:
        f.write("\n/* a deploy */\n")
    settings.STATICFILES_DIRS = [static]
    assert version_of(client) != before


def test_the_version_changes_when_a_shell_url_changes(client, settings):
    # In production the manifest storage puts each file's hash in its URL.
    before = version_of(client)
    settings.STATIC_URL = "/static/v2/"
    assert version_of(client) != before


def test_the_worker_needs_get(client):
    assert client.post("/sw.js").status_code == 405


def test_favicon_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age=" in response["Cache-Control"]


def test_the_offline_page_is_translated_and_leaves_the_messages_alone(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    response = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert "data-offline" in html
    assert 'href="/"' in html
    assert "data-who" not in html  # it speaks for nobody: the worker keeps it for every rider


def test_a_flash_message_survives_the_offline_page(client, sms_outbox):
    # The worker fetches the offline page at install, in the middle of whatever the rider is
    # doing: a flash message waiting for the next page must still be there.
    rider = RiderFactory()
    client.post("/sign-in/", {"phone": rider.phone})  # "a code was sent", a flash message
    assert "data-offline" in client.get("/offline/").content.decode()
    page = client.get("/sign-in/code/")
    assert list(page.context["messages"])


def test_pages_tell_the_worker_whose_they_are():
    one, other, anonymous = Client(), Client(), Client()
    one.force_login(RiderFactory().user)
    other.force_login(RiderFactory().user)

    def who(client, path="/"):
        html = client.get(path).content.decode()
        tag = re.search(r'sw-register[^"]*" data-sw="/sw.js" data-who="([^"]*)"', html)
        return tag.group(1)

    assert who(one) and who(other)
    assert who(one) != who(other)
    assert who(one) == who(one, "/me/")
    assert who(anonymous, "/sign-in/") == ""


def test_base_page_has_both_theme_colours_and_the_favicon(client):
    html = client.get("/sign-in/").content.decode()
    assert 'name="theme-color" content="#b71c1c" media="(prefers-color-scheme: light)"' in html
    assert 'media="(prefers-color-scheme: dark)"' in html
    assert 'name="color-scheme" content="light dark"' in html
    assert "icons/favicon.ico" in html
