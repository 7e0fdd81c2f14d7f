"""Sign-in abuse limits: per client and network, the SMS budget, no lockout by strangers.

Every limit here was missing before issue 12 (limits were per phone only), so each test failed
then. Limits are counted in the database (riders.LimitCounter): each test's rollback resets
them, and the suite's clients (all 127.0.0.1) stay far below the defaults.
"""

import datetime as dt
import logging
import re
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from core.models import Notification
from core.roles import CENTRE_ADMIN
from riders import services
from riders.models import CounterScope, LimitCounter, SignInCode
from riders.phones import phone_digest
from riders.views import DEVICE_COOKIE
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db


def code_in(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].text).group(1)


def ask(client, phone: str, ip: str = "198.51.100.7"):
    return client.post(reverse("riders:sign_in"), {"phone": phone}, REMOTE_ADDR=ip)


def enter(client, code: str, ip: str = "198.51.100.7"):
    return client.post(reverse("riders:sign_in_code"), {"code": code}, REMOTE_ADDR=ip)


def sign_out(client) -> None:
    """As the page does (the test client's logout() would also drop every cookie)."""
    client.post(reverse("riders:sign_out"))


@contextmanager
def in_english(client):
    """Requests in English (the page renders in the request's language, not the test's)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    try:
        with override("en"):
            yield
    finally:
        del client.defaults["HTTP_ACCEPT_LANGUAGE"]


def refusal(response) -> str:
    return response.context["form"].errors["phone"][0]


def age_codes(minutes: int = 10) -> None:
    """Let every code expire, as if `minutes` had passed."""
    for row in SignInCode.objects.all():
        row.created_at -= dt.timedelta(minutes=minutes)
        row.expires_at = row.created_at + dt.timedelta(minutes=5)
        row.save(update_fields=["created_at", "expires_at"])


# --- per client and per network ---------------------------------------------------------------
def test_one_client_cannot_text_more_numbers_than_its_hourly_limit(client, settings, sms_outbox):
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 3
    riders = RiderFactory.create_batch(4)
    for rider in riders[:3]:
        assert ask(client, rider.phone).status_code == 302
    with in_english(client):
        response = ask(client, riders[3].phone)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "from this device or connection" in refusal(response)
    assert [m.phone for m in sms_outbox] == [r.phone for r in riders[:3]]
    assert SignInCode.objects.filter(phone_hash=phone_digest(riders[3].phone)).count() == 0
    # Another client is not affected.
    assert ask(client, riders[3].phone, ip="198.51.100.8").status_code == 302
    assert len(sms_outbox) == 4


def test_the_client_limit_counts_unknown_numbers_too(client, settings, sms_outbox):
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 2
    rider = RiderFactory()
    ask(client, "13700000001")
    ask(client, "13700000002")
    assert ask(client, rider.phone).status_code == 429
    assert not sms_outbox


def test_daily_client_limit_holds_across_hours(settings, sms_outbox):
    settings.SIGN_IN_CODES_PER_IP_PER_DAY = 2
    riders = RiderFactory.create_batch(3)
    for rider in riders[:2]:
        services.sign_in_code_request(phone=rider.phone, client_ip="198.51.100.7")
    LimitCounter.objects.filter(scope=CounterScope.CODES_IP_HOUR).delete()  # a new hour
    with pytest.raises(services.SignInThrottled) as refused:
        services.sign_in_code_request(phone=riders[2].phone, client_ip="198.51.100.7")
    assert refused.value.code == "too_many_codes_from_client"
    assert 0 < refused.value.retry_after <= 24 * 3600  # until the day's window ends


@pytest.mark.parametrize(
    ("first", "same_network", "other_network"),
    [
        ("203.0.113.1", "203.0.113.250", "203.0.114.1"),
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1"),
    ],
)
def test_a_network_shares_one_limit(
    client, settings, sms_outbox, first, same_network, other_network
):
    settings.SIGN_IN_CODES_PER_NETWORK_PER_HOUR = 2
    riders = RiderFactory.create_batch(4)
    assert ask(client, riders[0].phone, ip=first).status_code == 302
    assert ask(client, riders[1].phone, ip=same_network).status_code == 302
    with in_english(client):
        response = ask(client, riders[2].phone, ip=same_network.replace("250", "251"))
    assert response.status_code == 429
    assert "from your network" in refusal(response)
    assert ask(client, riders[3].phone, ip=other_network).status_code == 302
    assert len(sms_outbox) == 3


def test_a_refused_request_does_not_use_up_other_limits(settings, sms_outbox):
    settings.SIGN_IN_CODES_PER_NETWORK_PER_HOUR = 1
    riders = RiderFactory.create_batch(2)
    services.sign_in_code_request(phone=riders[0].phone, client_ip="203.0.113.1")
    with pytest.raises(services.SignInThrottled):
        services.sign_in_code_request(phone=riders[1].phone, client_ip="203.0.113.2")
    counts = dict(LimitCounter.objects.filter(key="203.0.113.2").values_list("scope", "count"))
    assert counts == {}  # the client's own counts rolled back with the refusal


def test_code_tries_are_limited_per_client(client, settings, sms_outbox):
    settings.SIGN_IN_GUESSES_PER_IP_PER_HOUR = 3
    rider = RiderFactory()
    ask(client, rider.phone)
    good = code_in(sms_outbox)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for _attempt in range(3):
        assert enter(client, wrong).status_code == 200
    with in_english(client):
        response = enter(client, good)
    assert response.status_code == 429
    assert "tried from this device or connection" in response.context["form"].errors["code"][0]
    assert "_auth_user_id" not in client.session
    # The refused try never reached the code: the rider can still use it from elsewhere.
    assert SignInCode.objects.get().failed_attempts == 3
    assert enter(client, good, ip="198.51.100.99").status_code == 302


def test_code_tries_are_limited_per_network(settings, sms_outbox):
    settings.SIGN_IN_GUESSES_PER_NETWORK_PER_HOUR = 2
    riders = RiderFactory.create_batch(3)
    for number, rider in enumerate(riders):
        services.sign_in_code_request(phone=rider.phone, client_ip=f"10.9.{number}.1")
    for rider, ip in zip(riders[:2], ("203.0.113.1", "203.0.113.2"), strict=True):
        with pytest.raises(services.SignInFailed):
            services.sign_in_code_verify(phone=rider.phone, code="000000x", client_ip=ip)
    with pytest.raises(services.SignInThrottled) as refused:
        services.sign_in_code_verify(phone=riders[2].phone, code="000000", client_ip="203.0.113.3")
    assert refused.value.code == "too_many_tries_from_network"


# --- the SMS budget -----------------------------------------------------------------------------
@pytest.fixture
def centre_admin():
    admin = StaffFactory(email="admin@example.cn")
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    return admin


def test_sms_budget_refuses_everyone_and_alerts_once(
    client, settings, sms_outbox, centre_admin, caplog
):
    settings.SMS_BUDGET_PER_HOUR = 2
    settings.ADMINS = [("Ops", "ops@example.cn")]
    riders = RiderFactory.create_batch(4)
    for number, rider in enumerate(riders[:2]):
        assert ask(client, rider.phone, ip=f"198.51.{number}.1").status_code == 302
    with caplog.at_level(logging.CRITICAL, logger="riders.sign_in"), in_english(client):
        refused = ask(client, riders[2].phone, ip="198.51.10.1")
        again = ask(client, riders[3].phone, ip="198.51.11.1")
        unknown = ask(client, "13700000009", ip="198.51.12.1")
    assert refused.status_code == again.status_code == unknown.status_code == 429
    assert "paused" in refusal(refused)
    # An unknown number gets the same answer: the budget does not tell who is registered.
    assert refusal(unknown) == refusal(refused)
    assert len(sms_outbox) == 2
    # One alert for the hour, however many refusals: a log line, an inbox message, an e-mail.
    assert [r.levelno for r in caplog.records] == [logging.CRITICAL]
    assert "budget" in caplog.records[0].getMessage()
    assert Notification.objects.filter(recipient=centre_admin).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@example.cn"]
    counter = LimitCounter.objects.get(scope=CounterScope.SMS_HOUR)
    assert counter.count == 2 and counter.alerted_at is not None


def test_unknown_numbers_do_not_spend_the_budget(settings, sms_outbox):
    settings.SMS_BUDGET_PER_HOUR = 1
    for number in range(3):
        services.sign_in_code_request(phone=f"1370000000{number}", client_ip=f"10.0.{number}.1")
    rider = RiderFactory()
    services.sign_in_code_request(phone=rider.phone, client_ip="10.0.9.1")
    assert len(sms_outbox) == 1


# --- no lockout by strangers --------------------------------------------------------------------
def test_strangers_asking_for_codes_all_day_cannot_lock_a_rider_out(client, sms_outbox):
    """Before: 10 anonymous requests an hour apart refused the rider for 24 h."""
    rider = RiderFactory()
    for stranger in range(15):
        services.sign_in_code_request(phone=rider.phone, client_ip=f"10.1.{stranger}.1")
        age_codes()
    assert ask(client, rider.phone).status_code == 302
    assert enter(client, code_in(sms_outbox)).status_code == 302


def test_a_rider_who_just_signed_in_can_ask_again_at_once(client, sms_outbox):
    rider = RiderFactory()
    ask(client, rider.phone)
    assert enter(client, code_in(sms_outbox)).status_code == 302
    client.logout()
    response = ask(client, rider.phone)  # e.g. signing in on a second phone a minute later
    assert response.status_code == 302
    assert len(sms_outbox) == 2


def test_a_code_burnt_by_wrong_tries_holds_the_rider_up_a_minute_at_most(
    client, settings, sms_outbox
):
    rider = RiderFactory()
    services.sign_in_code_request(phone=rider.phone, client_ip="10.2.0.1")
    for _attempt in range(settings.SIGN_IN_CODE_MAX_ATTEMPTS):
        with pytest.raises(services.SignInFailed):
            services.sign_in_code_verify(phone=rider.phone, code="x", client_ip="10.2.0.1")
    with pytest.raises(services.SignInThrottled) as refused:
        services.sign_in_code_request(phone=rider.phone, client_ip="10.2.0.2")
    assert refused.value.code == services.RESEND_TOO_SOON
    assert refused.value.retry_after <= settings.SIGN_IN_CODE_RESEND_SECONDS
    SignInCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    # A burnt code never counts towards the daily cap either.
    settings.SIGN_IN_CODES_PER_PHONE_PER_DAY = 1
    assert ask(client, rider.phone).status_code == 302
    assert enter(client, code_in(sms_outbox)).status_code == 302


def test_a_trusted_browser_still_gets_at_most_one_sms_a_minute(client, sms_outbox):
    rider = RiderFactory()
    ask(client, rider.phone)
    enter(client, code_in(sms_outbox))
    sign_out(client)
    ask(client, rider.phone)
    wrong = f"{(int(code_in(sms_outbox)) + 1) % 1_000_000:06d}"
    for _attempt in range(5):
        enter(client, wrong)
    response = ask(client, rider.phone)
    assert response.status_code == 302  # to the code page, with "wait N seconds"
    assert len(sms_outbox) == 2


def test_resend_too_soon_still_leads_to_the_code_page(client, sms_outbox):
    rider = RiderFactory()
    ask(client, rider.phone)
    response = ask(client, rider.phone)
    assert response.status_code == 302 and response.url == reverse("riders:sign_in_code")
    assert len(sms_outbox) == 1


def test_a_browser_that_signed_in_is_never_refused_by_limits_strangers_use_up(
    client, settings, sms_outbox
):
    rider = RiderFactory()
    ask(client, rider.phone)
    enter(client, code_in(sms_outbox))
    assert client.cookies[DEVICE_COOKIE].value
    sign_out(client)
    # Strangers on the rider's network use up every limit.
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 0
    settings.SIGN_IN_CODES_PER_NETWORK_PER_HOUR = 0
    settings.SIGN_IN_GUESSES_PER_IP_PER_HOUR = 0
    settings.SMS_BUDGET_PER_HOUR = 0
    settings.SIGN_IN_CODES_PER_PHONE_PER_DAY = 1
    stranger = type(client)()
    assert ask(stranger, rider.phone).status_code == 429
    assert ask(client, rider.phone).status_code == 302
    assert len(sms_outbox) == 2
    assert enter(client, code_in(sms_outbox)).status_code == 302
    # The cookie vouches for that number only.
    other = RiderFactory()
    sign_out(client)
    assert ask(client, other.phone).status_code == 429


def test_a_forged_device_cookie_is_ignored(client, settings, sms_outbox):
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 0
    rider = RiderFactory()
    client.cookies[DEVICE_COOKIE] = services.sign_in_device_token(phone=rider.phone)  # unsigned
    assert ask(client, rider.phone).status_code == 429
    assert not sms_outbox


# --- messages -----------------------------------------------------------------------------------
@contextmanager
def limit_at_zero(settings, name: str):
    previous = getattr(settings, name)
    setattr(settings, name, 0)
    yield
    setattr(settings, name, previous)


def test_each_refusal_has_its_own_code_and_message(settings, sms_outbox):
    rider = RiderFactory()
    seen = {}

    def refused(call) -> None:
        with pytest.raises(services.SignInThrottled) as caught, override("en"):
            call()
        seen[caught.value.code] = caught.value.message

    services.sign_in_code_request(phone=rider.phone, client_ip="10.3.0.1")
    refused(lambda: services.sign_in_code_request(phone=rider.phone, client_ip="10.3.0.1"))
    age_codes()
    for setting, ip in (
        ("SIGN_IN_CODES_PER_IP_PER_HOUR", "10.4.0.1"),
        ("SIGN_IN_CODES_PER_NETWORK_PER_HOUR", "10.5.0.1"),
        ("SMS_BUDGET_PER_HOUR", "10.6.0.1"),
        ("SIGN_IN_CODES_PER_PHONE_PER_DAY", "10.7.0.1"),
    ):
        with limit_at_zero(settings, setting):
            refused(lambda ip=ip: services.sign_in_code_request(phone=rider.phone, client_ip=ip))
    services.sign_in_code_request(phone=rider.phone, client_ip="10.8.0.1")
    for setting in ("SIGN_IN_GUESSES_PER_IP_PER_HOUR", "SIGN_IN_GUESSES_PER_NETWORK_PER_HOUR"):
        with limit_at_zero(settings, setting):
            refused(
                lambda: services.sign_in_code_verify(
                    phone=rider.phone, code="000000", client_ip="10.9.0.1"
                )
            )
    assert set(seen) == {
        "resend_too_soon",
        "too_many_codes_from_client",
        "too_many_codes_from_network",
        "sms_budget_spent",
        "too_many_codes_for_phone",
        "too_many_tries_from_client",
        "too_many_tries_from_network",
    }
    assert len(set(seen.values())) == len(seen)
    assert "minute" in seen["too_many_codes_from_client"]


# --- housekeeping -------------------------------------------------------------------------------
def test_purge_drops_counters_of_past_windows(sms_outbox):
    rider = RiderFactory()
    services.sign_in_code_request(phone=rider.phone, client_ip="10.10.0.1")
    old = timezone.now() - dt.timedelta(days=3)
    LimitCounter.objects.create(scope=CounterScope.CODES_IP_DAY, key="x", window_start=old)
    services.sign_in_codes_purge()
    assert not LimitCounter.objects.filter(key="x").exists()
    assert LimitCounter.objects.filter(key="10.10.0.1").exists()
