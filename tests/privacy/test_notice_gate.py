"""The notice gate (privacy/middleware.py): a signed-in rider sees no page but the notice until
they accept its current version; a new version asks again; the exempt paths stay open."""

import pytest
from django.test import override_settings
from django.urls import reverse

from privacy import services
from privacy.models import Channel, ConsentChoice, ConsentEvent, NoticeAcceptance
from privacy.selectors import current_version, current_version_forget
from riders.views import SESSION_PLATFORM_ID_TOKEN
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """The messages asserted below are the English source strings: read the pages in English
    (Chinese is the default; the translations are checked by tests/core/test_translations.py)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


ACCEPT = "/privacy/accept/"


@pytest.fixture(autouse=True)
def _fresh_notice_version():
    # The current version is kept per process: not what a rolled-back test published.
    current_version_forget()
    yield
    current_version_forget()


def signed_in(client, rider):
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return client


def accept_post(client, *, version=1, consents=(), next_url="/"):
    return client.post(ACCEPT, {"version": version, "consents": list(consents), "next": next_url})


def test_version_1_is_published_by_the_migration():
    assert current_version() == 1


@pytest.mark.parametrize("path", ["/", "/me/", "/services/", "/report/", "/honours/"])
def test_a_rider_who_has_not_accepted_sees_only_the_notice(client, path):
    signed_in(client, RiderFactory(notice_accepted=False))
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{ACCEPT}?next={path.replace('/', '%2F')}"
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"data-accept-notice" in page.content
    assert b'data-notice-version="1"' in page.content


def test_accepting_records_the_acceptance_and_goes_on_where_the_rider_was_going(client):
    rider = RiderFactory(notice_accepted=False, consents=())
    signed_in(client, rider)
    response = accept_post(client, next_url="/me/")
    assert response.status_code == 302 and response.url == "/me/"
    acceptance = NoticeAcceptance.objects.get(rider=rider)
    assert (acceptance.notice.version, acceptance.channel) == (1, Channel.WEB)
    assert client.get("/me/").status_code == 200
    # Nothing ticked: nothing granted, and nothing blocked.
    assert not ConsentChoice.objects.filter(rider=rider, granted=True).exists()


def test_a_rider_signed_in_with_the_platform_accepts_on_that_channel(client):
    rider = RiderFactory(notice_accepted=False)
    signed_in(client, rider)
    session = client.session
    session[SESSION_PLATFORM_ID_TOKEN] = "id-token"
    session.save()
    accept_post(client)
    assert NoticeAcceptance.objects.get(rider=rider).channel == Channel.PLATFORM


def test_the_consents_ticked_on_the_acceptance_screen_are_recorded(client):
    rider = RiderFactory(notice_accepted=False, consents=())
    signed_in(client, rider)
    accept_post(client, consents=["sms_notices"])
    assert dict(ConsentChoice.objects.filter(rider=rider).values_list("purpose", "granted")) == {
        "sms_notices": True,
        "honour_roll_public": False,
    }
    # A first choice, yes or no, is history too, with the version the rider had read.
    assert set(
        ConsentEvent.objects.filter(rider=rider).values_list("purpose", "granted", "notice_version")
    ) == {("sms_notices", True, 1), ("honour_roll_public", False, 1)}


def test_accepting_twice_keeps_the_first_acceptance(client):
    rider = RiderFactory(notice_accepted=False)
    signed_in(client, rider)
    accept_post(client)
    first = NoticeAcceptance.objects.get(rider=rider)
    accept_post(client)
    assert list(NoticeAcceptance.objects.filter(rider=rider)) == [first]


def test_a_new_version_asks_every_rider_again(client):
    rider = RiderFactory()
    signed_in(client, rider)
    assert client.get("/me/").status_code == 200
    services.notice_publish(changes="新增：荣誉榜同意", changes_en="Added: honour roll consent")
    response = client.get("/me/")
    assert response.status_code == 302 and response.url.startswith(ACCEPT)
    page = client.get(ACCEPT).content.decode()
    assert 'data-notice-version="2"' in page and "Added: honour roll consent" in page
    # The page read was version 1's: refused, read again.
    response = accept_post(client, version=1)
    assert response.status_code == 302 and response.url.startswith(ACCEPT)
    assert not NoticeAcceptance.objects.filter(rider=rider, notice__version=2).exists()
    accept_post(client, version=2)
    assert NoticeAcceptance.objects.filter(rider=rider, notice__version=2).exists()
    assert client.get("/me/").status_code == 200


def test_another_riders_acceptance_does_not_count(client):
    RiderFactory()  # accepted
    other = RiderFactory(notice_accepted=False)
    signed_in(client, other)
    assert client.get("/").url.startswith(ACCEPT)


def test_a_new_sign_in_of_another_rider_in_the_same_browser_is_asked(client):
    accepted, not_yet = RiderFactory(), RiderFactory(notice_accepted=False)
    signed_in(client, accepted)
    assert client.get("/").status_code == 200
    signed_in(client, not_yet)
    assert client.get("/").url.startswith(ACCEPT)


def test_an_acceptance_in_another_browser_is_learnt(client):
    rider = RiderFactory(notice_accepted=False)
    signed_in(client, rider)
    assert client.get("/").status_code == 302
    services.notice_accept(rider=rider, version=1, channel=Channel.WEB)
    response = client.get(f"{ACCEPT}?next=/me/")
    assert response.status_code == 302 and response.url == "/me/"
    assert client.get("/me/").status_code == 200


def test_a_session_from_before_the_gate_is_looked_up_once(client):
    rider = RiderFactory(notice_accepted=False)
    signed_in(client, rider)
    session = client.session
    del session["privacy_notice"]
    session.save()
    assert client.get("/").url.startswith(ACCEPT)


@pytest.mark.parametrize(
    "path",
    [
        "/privacy/",
        "/sign-in/",
        "/healthz",
        "/sw.js",
        "/offline/",
        "/me/data/",
        "/static/css/portal.css",
        "/api/v1/reports/",
        "/open311/v2/services.json",
        "/desk/",
        "/admin/",
    ],
)
def test_exempt_paths_are_not_gated(client, path):
    signed_in(client, RiderFactory(notice_accepted=False))
    response = client.get(path)
    assert not (response.status_code == 302 and response.url.startswith(ACCEPT))


def test_sign_out_works_without_accepting(client):
    signed_in(client, RiderFactory(notice_accepted=False))
    response = client.post("/sign-out/")
    assert response.status_code == 302 and response.url == reverse("riders:sign_in")
    assert "_auth_user_id" not in client.session


def test_a_post_is_sent_to_the_notice_too(client):
    signed_in(client, RiderFactory(notice_accepted=False))
    response = client.post("/me/inbox/read/")
    assert response.status_code == 302 and response.url == ACCEPT


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ACCEPT, ""])
def test_an_unsafe_next_goes_home(client, next_url):
    signed_in(client, RiderFactory(notice_accepted=False))
    response = accept_post(client, next_url=next_url)
    assert response.status_code == 302 and response.url == "/"


def test_a_tampered_purpose_is_a_clear_error_and_records_nothing(client):
    rider = RiderFactory(notice_accepted=False, consents=())
    signed_in(client, rider)
    response = accept_post(client, consents=["sell_my_data"])
    assert response.status_code == 400
    assert "sell_my_data is not something you can agree to here." in response.content.decode()
    assert not NoticeAcceptance.objects.filter(rider=rider).exists()
    assert not ConsentChoice.objects.filter(rider=rider).exists()


@pytest.mark.parametrize("version", ["", "abc", "0", "99"])
def test_a_tampered_version_records_nothing(client, version):
    rider = RiderFactory(notice_accepted=False)
    signed_in(client, rider)
    response = accept_post(client, version=version)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.url.startswith(ACCEPT)
    assert not NoticeAcceptance.objects.filter(rider=rider).exists()


def test_anonymous_and_staff_are_not_gated(client):
    assert client.get("/honours/").status_code == 200
    client.force_login(StaffFactory())
    assert client.get("/honours/").status_code == 200


def test_the_accept_page_is_for_riders(client):
    response = client.get(ACCEPT)
    assert response.status_code == 302 and response.url.startswith(reverse("riders:sign_in"))
    client.force_login(StaffFactory())
    assert client.get(ACCEPT).status_code == 403
    assert client.post(ACCEPT, {"version": 1}).status_code == 403
    assert not NoticeAcceptance.objects.exists()


def test_nothing_published_nothing_to_accept(client):
    from privacy.models import PrivacyNotice

    rider = RiderFactory(notice_accepted=False)
    NoticeAcceptance.objects.all().delete()
    PrivacyNotice.objects.all().delete()
    signed_in(client, rider)
    assert client.get("/me/").status_code == 200


# Pages without a cache of their own (Home's figures are cached in Redis: another run's
# cache.clear() between the two measurements would count them), so only the gate is measured.
@pytest.mark.parametrize("path", ["/me/", "/services/", "/me/privacy/"])
def test_an_accepted_riders_page_costs_no_query_more(client, path, django_assert_num_queries):
    """The gate reads the session (loaded anyway) and the per-process version: once accepted,
    a page makes exactly the queries it makes without the gate."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rider = RiderFactory()
    signed_in(client, rider)
    client.get(path)  # warm: the figures' cache, the version

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    gated = queries()
    without = [m for m in settings.MIDDLEWARE if m != "privacy.middleware.NoticeGateMiddleware"]
    with override_settings(MIDDLEWARE=without):
        ungated = queries()
    assert gated == ungated
    RiderFactory.create_batch(20)
    with django_assert_num_queries(gated):
        assert client.get(path).status_code == 200
