import pytest
from django.conf import settings

from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


def test_switching_language_sets_the_cookie_and_the_riders_preference(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    response = client.post("/language/", {"language": "en", "next": "/me/"})
    assert response.status_code == 302 and response.url == "/me/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    rider.user.refresh_from_db()
    assert rider.user.language == "en"
    assert "Sign out" in client.get("/me/").content.decode()


def test_anonymous_visitor_can_switch_language_on_the_sign_in_page(client):
    response = client.post("/language/", {"language": "en", "next": "/sign-in/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Sign in with your phone" in client.get("/sign-in/").content.decode()


def test_unknown_language_changes_nothing(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    response = client.post("/language/", {"language": "xx", "next": "/me/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    rider.user.refresh_from_db()
    assert rider.user.language == ""


def test_next_must_be_on_this_site(client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


def test_signing_in_restores_the_saved_language(client, sms_outbox):
    rider = RiderFactory(user__language="en")
    client.post("/sign-in/", {"phone": rider.phone})
    code = sms_outbox[-1].text.split(": ")[1][:6]
    assert "Riders Portal sign-in code" in sms_outbox[-1].text
    response = client.post("/sign-in/code/", {"code": code})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Hello," in client.get("/").content.decode()


def test_language_switch_needs_post(client):
    assert client.get("/language/").status_code == 405
