"""The notice page (/privacy/): public, in Chinese and English, versioned, with the facts a
rider needs; the location prompts say the location is used only for that report or search."""

import pytest

from privacy import services
from privacy.selectors import current_version_forget
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_notice_version():
    current_version_forget()
    yield
    current_version_forget()


def english(client, path="/privacy/"):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_notice_is_public_and_says_what_why_who_how_long_rights_and_contact(client, settings):
    settings.PRIVACY_CONTACT = {
        "name": "个人信息窗口",
        "email": "pi@centre.example",
        "phone": "0532-1",
    }
    page = english(client)
    assert 'data-notice-version="1"' in page and "Version 1, published 2026-12-01" in page
    for fact in (
        "mobile phone number, rider number, district, delivery station",
        "Your location, only when you file a report or search for nearby help",
        "Subsidy claims with their receipts and proofs",
        "Sign-in records",
        "Never your name, phone number or ID: they see a pseudonym",
        "bystanders' faces and number plates blurred",
        "The delivery platform: your rider number",
        "payout files with your name and account",
        "The SMS gateways: your phone number",
        "Sign-in codes and network addresses: days",
        "Report photos: months after the report is closed",
        "Subsidy claims, proofs and payouts: years",
        'href="/me/data/"',
        "pi@centre.example",
        "0532-1",
    ):
        assert fact in page, fact


def test_the_notice_in_chinese(client):
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-Hans">' in page
    assert 'data-notice-version="1"' in page


def test_a_new_version_shows_its_number_and_what_changed(client):
    services.notice_publish(changes="新增：荣誉榜", changes_en="Added: the honour roll choice")
    page = english(client)
    assert 'data-notice-version="2"' in page and "Added: the honour roll choice" in page
    assert "新增：荣誉榜" in client.get("/privacy/").content.decode()


def test_a_rider_who_has_not_accepted_is_told_to_on_the_notice(client):
    client.force_login(RiderFactory(notice_accepted=False).user)
    assert 'href="/privacy/accept/"' in client.get("/privacy/").content.decode()
    client.force_login(RiderFactory().user)
    assert 'href="/privacy/accept/"' not in client.get("/privacy/").content.decode()


def test_the_report_form_says_the_location_is_for_this_report_only(client):
    client.force_login(RiderFactory().user)
    page = english(client, "/report/")
    assert "Your location is used only for this report. The portal does not track" in page


def test_nearby_says_the_location_is_for_this_search_only(client):
    client.force_login(RiderFactory().user)
    page = english(client, "/nearby/")
    assert "Your location is used only for this search. The portal does not track" in page
