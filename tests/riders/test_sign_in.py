"""Sign-in by phone + one-time code: expiry, wrong-code limit, resend throttle, no enumeration."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from riders import services
from riders.models import SignInCode
from riders.phones import phone_digest
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db

IP = "127.0.0.1"  # where the test client's requests come from


def code_in(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].text).group(1)


def request_code(client, phone: str):
    return client.post(reverse("riders:sign_in"), {"phone": phone}, follow=True)


def enter_code(client, code: str):
    return client.post(reverse("riders:sign_in_code"), {"code": code})


def test_rider_signs_in_with_code_from_sms(client, sms_outbox):
    rider = RiderFactory()
    response = request_code(client, rider.phone)
    assert response.status_code == 200
    assert len(sms_outbox) == 1 and sms_outbox[0].phone == rider.phone
    response = enter_code(client, code_in(sms_outbox))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert client.get(reverse("portal:home")).context["user"] == rider.user


def test_code_is_stored_hashed_never_in_plain(sms_outbox):
    rider = RiderFactory()
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    row = SignInCode.objects.get(phone_hash=phone_digest(rider.phone))
    assert code_in(sms_outbox) not in row.code_hash
    assert len(row.code_hash) == 64


def test_phone_is_normalised_from_common_formats(client, sms_outbox):
    rider = RiderFactory(phone="13812345678")
    request_code(client, "+86 138-1234-5678")
    assert sms_outbox[0].phone == "13812345678"
    assert enter_code(client, code_in(sms_outbox)).status_code == 302
    assert client.session["_auth_user_id"] == str(rider.user.pk)


def test_invalid_phone_is_refused_with_a_clear_error(client, sms_outbox):
    response = client.post(reverse("riders:sign_in"), {"phone": "12345"})
    assert response.status_code == 200
    assert "11" in response.context["form"].errors["phone"][0]
    assert not sms_outbox and not SignInCode.objects.exists()


def test_expired_code_is_refused(client, sms_outbox, settings):
    rider = RiderFactory()
    request_code(client, rider.phone)
    SignInCode.objects.update(
        created_at=SignInCode.objects.get().created_at - dt.timedelta(minutes=6),
        expires_at=SignInCode.objects.get().expires_at - dt.timedelta(minutes=6),
    )
    response = enter_code(client, code_in(sms_outbox))
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert "_auth_user_id" not in client.session


def test_code_expires_after_five_minutes_by_default():
    rider = RiderFactory()
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    row = SignInCode.objects.get()
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)


def test_five_wrong_tries_lock_the_code(client, sms_outbox):
    rider = RiderFactory()
    request_code(client, rider.phone)
    good = code_in(sms_outbox)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for _attempt in range(5):
        response = enter_code(client, wrong)
        assert response.status_code == 200
    assert SignInCode.objects.get().failed_attempts == 5
    response = enter_code(client, good)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["code"]


def test_code_works_only_once(client, sms_outbox):
    rider = RiderFactory()
    request_code(client, rider.phone)
    code = code_in(sms_outbox)
    assert enter_code(client, code).status_code == 302
    client.logout()
    client.post(reverse("riders:sign_in"), {"phone": rider.phone})  # throttled, sets session
    with pytest.raises(services.SignInFailed):
        services.sign_in_code_verify(phone=rider.phone, code=code, client_ip=IP)


def test_only_the_latest_code_counts(sms_outbox):
    rider = RiderFactory()
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    first = code_in(sms_outbox)
    SignInCode.objects.update(
        created_at=SignInCode.objects.get().created_at - dt.timedelta(minutes=2)
    )
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    second = code_in(sms_outbox)
    if first != second:
        with pytest.raises(services.SignInFailed):
            services.sign_in_code_verify(phone=rider.phone, code=first, client_ip=IP)
    assert services.sign_in_code_verify(phone=rider.phone, code=second, client_ip=IP) == rider


def test_resend_is_throttled_to_once_a_minute(client, sms_outbox):
    rider = RiderFactory()
    request_code(client, rider.phone)
    response = request_code(client, rider.phone)
    assert len(sms_outbox) == 1
    assert SignInCode.objects.count() == 1
    assert "秒" in str(next(iter(response.context["messages"])))
    SignInCode.objects.update(
        created_at=SignInCode.objects.get().created_at - dt.timedelta(seconds=61)
    )
    request_code(client, rider.phone)
    assert len(sms_outbox) == 2


def test_daily_code_limit_per_phone(settings, sms_outbox):
    # The cap counts codes used to sign in (and a live one), so only the rider reaches it;
    # unused codes strangers ask for do not count (tests/riders/test_sign_in_limits.py).
    settings.SIGN_IN_CODES_PER_PHONE_PER_DAY = 3
    rider = RiderFactory()
    for _ in range(3):
        services.sign_in_code_request(phone=rider.phone, client_ip=IP)
        services.sign_in_code_verify(phone=rider.phone, code=code_in(sms_outbox), client_ip=IP)
    with pytest.raises(services.SignInThrottled) as throttled:
        services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    assert throttled.value.code == "too_many_codes_for_phone"
    assert throttled.value.retry_after > 0
    assert len(sms_outbox) == 3


@pytest.mark.parametrize("who", ["unknown", "inactive"])
def test_unknown_and_inactive_numbers_look_the_same_as_known_ones(client, sms_outbox, who):
    known = RiderFactory(phone="13900000001")
    other = "13900000002"
    if who == "inactive":
        RiderFactory(phone=other, is_active=False)
    known_response = request_code(client, known.phone)
    other_client = type(client)()
    other_response = request_code(other_client, other)

    def page_text(response, phone):
        masked = phone[:3] + "****" + phone[-4:]
        return response.content.decode().replace(masked, "PHONE").replace(phone, "PHONE")

    def without_tokens(text):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert known_response.status_code == other_response.status_code == 200
    assert without_tokens(page_text(known_response, known.phone)) == without_tokens(
        page_text(other_response, other)
    )
    assert [m.phone for m in sms_outbox] == [known.phone]  # only the registered rider got an SMS
    # The throttle behaves the same for both.
    assert SignInCode.objects.filter(phone_hash=phone_digest(other)).count() == 1
    again = request_code(other_client, other)
    assert SignInCode.objects.filter(phone_hash=phone_digest(other)).count() == 1
    assert again.status_code == 200


def test_inactive_rider_cannot_sign_in_even_with_a_code(client, sms_outbox):
    rider = RiderFactory()
    request_code(client, rider.phone)
    code = code_in(sms_outbox)
    rider.is_active = False
    rider.save()
    response = enter_code(client, code)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivated_rider_is_signed_out_on_next_page(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    rider.is_active = False
    rider.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("riders:sign_in"))
    assert "_auth_user_id" not in client.session


def test_code_page_without_a_requested_code_goes_back_to_phone(client):
    response = client.get(reverse("riders:sign_in_code"))
    assert response.status_code == 302 and response.url == reverse("riders:sign_in")


def test_code_form_rejects_non_digits(client, sms_outbox):
    rider = RiderFactory()
    request_code(client, rider.phone)
    response = enter_code(client, "12ab56")
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert SignInCode.objects.get().failed_attempts == 0


def test_next_parameter_is_kept_but_only_for_this_site(client, sms_outbox):
    rider = RiderFactory()
    client.post(reverse("riders:sign_in"), {"phone": rider.phone, "next": "https://evil.example/"})
    response = enter_code(client, code_in(sms_outbox))
    assert response.url == reverse("portal:home")
    client.logout()
    sms_outbox.clear()
    SignInCode.objects.all().delete()
    client.post(reverse("riders:sign_in"), {"phone": rider.phone, "next": "/me/"})
    assert enter_code(client, code_in(sms_outbox)).url == "/me/"


def test_staff_sign_in_to_admin_with_password_not_by_code(client):
    staff = StaffFactory()
    assert client.login(username=staff.username, password="staff-pass-123")
    assert client.get("/admin/").status_code == 200
    # Staff have no rider profile: the portal refuses them.
    assert client.get(reverse("portal:home")).status_code == 403


def test_sign_out_needs_post(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    assert client.get(reverse("riders:sign_out")).status_code == 405
    response = client.post(reverse("riders:sign_out"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
