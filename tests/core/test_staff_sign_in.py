"""Staff sign-in: lockout after wrong passwords (django-axes), the TOTP step for the roles that
need it (django-otp), working-day sessions, and the demo's authenticators.

The review saw 60 wrong admin passwords in 38 s and then the right one still worked, and staff
sessions of 30 days; every test here that says "refused" would have let the request through.
"""

import datetime as dt
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import staff_auth
from core.roles import (
    APARTMENT_MANAGER,
    CANTEEN_OPERATOR,
    CENTRE_ADMIN,
    DISPATCHER,
    SUBSIDY_REVIEWER,
)
from governance.models import Report
from tests.factories import ReportFactory, RiderFactory, StaffFactory
from tests.staff_otp import staff_device, totp_token

pytestmark = pytest.mark.django_db
PASSWORD = "staff-pass-123"  # tests.factories.StaffFactory
LOGIN = reverse("admin:login")
VERIFY = reverse("core:staff_two_factor")
SET_UP = reverse("core:staff_two_factor_set_up")
QUEUE = reverse("admin:governance_report_changelist")
HOME_IP, STRANGER_IP = "10.1.0.7", "203.0.113.9"


def staff(*roles: str, **fields):
    user = StaffFactory(**fields)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(client, user, password=PASSWORD, ip=HOME_IP, **headers):
    return client.post(
        LOGIN,
        {"username": user.username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **headers,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def enter(client, url, token, next_url="/admin/"):
    return client.post(url, {"token": token, "next": next_url}, REMOTE_ADDR=HOME_IP)


# --- Lockout ------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_from_that_address(client):
    user = staff(CANTEEN_OPERATOR)
    for attempt in range(4):
        response = sign_in(client, user, password=f"wrong-{attempt}")
        assert response.status_code == 200  # the login form again, with its error
    fifth = sign_in(client, user, password="wrong-4", HTTP_ACCEPT_LANGUAGE="en")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Sign-in locked: 5 wrong passwords in a row" in page
    assert "Try again in 30 minutes." in page
    # The right password is refused too while locked: nobody gets a sixth guess.
    right = sign_in(client, user, HTTP_ACCEPT_LANGUAGE="en")
    assert right.status_code == 429
    assert not signed_in(client)


def test_the_lockout_page_is_in_the_site_language(client):
    user = staff()
    for attempt in range(5):
        response = sign_in(client, user, password=f"wrong-{attempt}")
    assert response.status_code == 429
    with translation.override("zh-hans"):
        assert _("Back to sign-in") in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_the_right_password_works_again_after_the_cool_off(client):
    user = staff(CANTEEN_OPERATOR)
    for attempt in range(5):
        sign_in(client, user, password=f"wrong-{attempt}")
    assert sign_in(client, user).status_code == 429
    # 30 minutes after the fifth failure (the refused try above did not restart the clock).
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    response = sign_in(client, user)
    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.exists()  # a success clears the count


def test_a_strangers_failures_do_not_lock_the_staff_member_out(client):
    """The lockout is per username *and* address, so strangers cannot lock staff out."""
    user = staff(CANTEEN_OPERATOR)
    for attempt in range(6):
        sign_in(client, user, password=f"guess-{attempt}", ip=STRANGER_IP)
    assert sign_in(client, user, ip=STRANGER_IP).status_code == 429
    response = sign_in(client, user, ip=HOME_IP)
    assert response.status_code == 302
    assert signed_in(client)


def test_client_address_is_taken_past_the_trusted_proxies_only(settings):
    request = RequestFactory().get(
        "/admin/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert staff_auth.client_ip(request) == "10.0.0.2"
    # One proxy: it appended the address it saw; what the client sent before it is not believed.
    settings.TRUSTED_PROXY_COUNT = 1
    assert staff_auth.client_ip(request) == "198.51.100.4"


def test_sign_in_without_a_request_is_not_refused_by_the_lockout():
    """The test client's login() and the shell call authenticate() without a request."""
    from django.contrib.auth import authenticate

    user = staff()
    assert authenticate(username=user.username, password=PASSWORD) == user


# --- Who needs the second factor ----------------------------------------------------------
@pytest.mark.parametrize("role", [CENTRE_ADMIN, SUBSIDY_REVIEWER, DISPATCHER])
def test_these_roles_need_two_factor(role):
    assert staff_auth.two_factor_required(staff(role))


def test_superusers_count_as_centre_admins():
    assert staff_auth.two_factor_required(staff(is_superuser=True))


@pytest.mark.parametrize("role", [CANTEEN_OPERATOR, APARTMENT_MANAGER])
def test_other_staff_sign_in_with_their_password_alone(client, role):
    user = staff(role)
    assert not staff_auth.two_factor_required(user)
    assert sign_in(client, user).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_who_set_up_an_app_of_their_own_accord_need_it_from_then_on(client):
    user = staff(CANTEEN_OPERATOR)
    TOTPDevice.objects.create(user=user, name="mine", confirmed=True)
    assert staff_auth.two_factor_required(user)
    sign_in(client, user)
    assert client.get("/admin/").url.startswith(VERIFY)


def test_riders_are_never_asked_for_a_second_factor(client):
    rider = RiderFactory()
    assert not staff_auth.two_factor_required(rider.user)
    client.force_login(rider.user)
    assert client.get(reverse("portal:home")).status_code == 200


# --- The TOTP step ------------------------------------------------------------------------
def test_a_dispatcher_without_an_app_reaches_no_admin_page_until_setting_one_up(client):
    user = staff(DISPATCHER)
    report = ReportFactory()
    assert sign_in(client, user).status_code == 302
    assert signed_in(client)
    for url in ("/admin/", QUEUE, reverse("admin:governance_report_change", args=[report.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(VERIFY)
    # Nor can they act by POST.
    response = client.post(
        QUEUE, {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"}
    )
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert Report.objects.filter(pk=report.pk).exists()
    # The code page sends someone without an app to set one up.
    response = client.get(VERIFY, {"next": QUEUE})
    assert response.status_code == 302
    assert response.url.startswith(SET_UP)


def test_setting_up_the_app_by_scanning_the_qr_code(client):
    user = staff(DISPATCHER)
    sign_in(client, user)
    page = client.get(SET_UP, {"next": QUEUE}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<?xml" not in html
    assert " style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert staff_auth.base32_secret(device) in html
    assert "issuer=Riders%20Portal" in device.config_url
    # Reloading shows the same key (the app may have scanned it already).
    client.get(SET_UP)
    assert TOTPDevice.objects.filter(user=user).count() == 1

    wrong = enter(client, SET_UP, "000000" if totp_token(device) != "000000" else "111111")
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    response = enter(client, SET_UP, totp_token(device), next_url=QUEUE)
    assert response.status_code == 302 and response.url == QUEUE
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(QUEUE).status_code == 200


def test_a_valid_code_opens_the_admin(client):
    user = staff(DISPATCHER)
    device = staff_device(user)
    sign_in(client, user)
    response = client.get(QUEUE)
    assert response.url == f"{VERIFY}?next=%2Fadmin%2Fgovernance%2Freport%2F"
    assert client.get(response.url).status_code == 200
    response = enter(client, VERIFY, totp_token(device), next_url=QUEUE)
    assert response.status_code == 302 and response.url == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_repeated_failures_slow_down(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # seconds, doubling: deterministic for the test
    user = staff(SUBSIDY_REVIEWER)
    device = staff_device(user)
    sign_in(client, user)
    good = totp_token(device)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(
        VERIFY, {"token": bad, "next": "/admin/"}, REMOTE_ADDR=HOME_IP, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "That code is wrong or was already used." in response.content.decode()
    # Even the right code waits out the throttle, so codes cannot be brute-forced.
    response = client.post(
        VERIFY, {"token": good, "next": "/admin/"}, REMOTE_ADDR=HOME_IP, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Too many wrong codes." in response.content.decode()
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("token", ["", "12345", "abcdef", "1234567", "12 34 56", "\x00" * 6])
def test_malformed_codes_are_form_errors_not_500s(client, token):
    user = staff(DISPATCHER)
    staff_device(user)
    sign_in(client, user)
    assert enter(client, VERIFY, token).status_code == 400


def test_a_code_is_good_only_once(client):
    user = staff(CENTRE_ADMIN)
    device = staff_device(user)
    token = totp_token(device)
    sign_in(client, user)
    assert enter(client, VERIFY, token).status_code == 302
    # Someone who watched the code being typed, signing in with the password elsewhere:
    from django.test import Client

    other = Client()
    sign_in(other, user)
    assert enter(other, VERIFY, token).status_code == 400
    assert other.get("/admin/").status_code == 302


def test_a_deleted_device_stops_working_within_the_recheck_interval(client):
    user = staff(DISPATCHER)
    device = staff_device(user)
    sign_in(client, user)
    enter(client, VERIFY, totp_token(device))
    assert client.get("/admin/").status_code == 200
    device.delete()  # the phone was lost; a centre admin deleted its device
    session = client.session
    session[staff_auth.SESSION_DEVICE_CHECKED_AT] -= staff_auth.DEVICE_RECHECK_SECONDS + 1
    session.save()
    assert client.get("/admin/").url.startswith(VERIFY)
    assert client.get(VERIFY).url.startswith(SET_UP)


def test_without_self_enrolment_the_page_says_to_ask_a_centre_admin(client, settings):
    settings.STAFF_2FA_SELF_ENROL = False
    user = staff(DISPATCHER)
    sign_in(client, user)
    response = client.get(SET_UP, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Ask a centre admin to add a TOTP device for you" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_code_pages_are_for_staff_only(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    for url in (VERIFY, SET_UP):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not TOTPDevice.objects.exists()


def test_next_stays_on_this_site(client):
    user = staff(DISPATCHER)
    device = staff_device(user)
    sign_in(client, user)
    response = enter(client, VERIFY, totp_token(device), next_url="https://evil.example/")
    assert response.url == reverse("admin:index")


@pytest.mark.no_staff_otp
def test_the_plugin_can_leave_force_login_unverified(client):
    user = staff(DISPATCHER)
    client.force_login(user)
    assert client.get("/admin/").url.startswith(VERIFY)


def test_force_login_of_staff_passes_the_second_factor_for_other_tests(client):
    user = staff(DISPATCHER)
    client.force_login(user)
    assert client.get(QUEUE).status_code == 200


# --- Working-day sessions -----------------------------------------------------------------
def test_a_staff_session_lasts_a_working_day_while_a_riders_stays_long(client, settings):
    user = staff(CANTEEN_OPERATOR)
    response = sign_in(client, user)
    ten_hours = 10 * 3600
    assert ten_hours - 60 <= client.session.get_expiry_age() <= ten_hours
    assert ten_hours - 60 <= int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"])
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) <= ten_hours

    from django.test import Client

    rider_client = Client()
    rider_client.force_login(RiderFactory().user)
    assert rider_client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 24 * 3600


def test_a_staff_session_ends_after_the_working_day_however_active(client):
    user = staff(DISPATCHER)
    client.force_login(user)
    assert client.get(QUEUE).status_code == 200
    session = client.session
    session[staff_auth.SESSION_STAFF_SIGNED_IN_AT] = int(time.time()) - 10 * 3600 - 1
    session.save()
    response = client.get(QUEUE)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not signed_in(client)


def test_a_staff_session_from_before_the_rule_is_ended(client):
    """Sessions issued with the old 30-day age carry no sign-in time: they end at once."""
    user = staff(CANTEEN_OPERATOR)
    client.force_login(user)
    session = client.session
    del session[staff_auth.SESSION_STAFF_SIGNED_IN_AT]
    session.save()
    assert client.get("/admin/").url.startswith(LOGIN)
    assert not signed_in(client)


# --- The demo -----------------------------------------------------------------------------
def test_seed_demo_sets_up_two_factor_for_the_roles_that_need_it(settings, capsys):
    from core.demo import DEMO_TOTP_KEY, DEMO_TOTP_SECRET

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    assert DEMO_TOTP_SECRET in capsys.readouterr().out
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert set(devices.values_list("user__username", flat=True)) == {
        "admin",
        "dispatcher",
        "reviewer",
        # The city admins and Jinan's dispatcher (issue 19).
        "qingdao-admin",
        "jinan-admin",
        "jinan-dispatcher",
        # The street office's officers sign in to the workbench with the same second factor.
        "licun-head",
        "licun-officer",
        "lixia-head",  # Jinan's (issue 19)
    }
    assert {device.bin_key for device in devices} == {DEMO_TOTP_KEY}
    # The key printed for the demo is the one that verifies.
    dispatcher = devices.get(user__username="dispatcher")
    totp = TOTP(DEMO_TOTP_KEY)
    assert dispatcher.verify_token(totp.token())
    # Staff whose role does not need it sign in with the password alone.
    assert not TOTPDevice.objects.filter(user__username__in=["canteen", "manager"]).exists()
