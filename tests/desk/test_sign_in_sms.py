"""Signing in to the workbench with a code by SMS instead of the authenticator app: only after
the password, only to the officer's own mobile, one code a minute, used once, guesses slowed
and burnt, the site's SMS budget counted, and never a code in a log."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from governance.models import Officer, OfficerSMSDevice
from riders import sms
from riders.models import SMSLog
from tests.desk.desk_stubs import desk_urls  # noqa: F401  (autouse)
from tests.desk.helpers import PASSWORD, officer
from tests.staff_otp import staff_device

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SMS = "/desk/sign-in/sms/"
PHONE = "13912345678"


def officer_with_phone(phone=PHONE, **fields):
    user = officer(**fields)
    Officer.objects.filter(user=user).update(phone=phone)
    return user


def password_step(client, user):
    return client.post("/desk/sign-in/", {"username": user.username, "password": PASSWORD}, **EN)


def texted_code(phone=PHONE) -> str:
    message = [m for m in sms.outbox if m.phone == phone][-1]
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def test_an_officer_signs_in_with_a_texted_code(client, settings):
    user = officer_with_phone()
    staff_device(user)
    password_step(client, user)
    page = client.get("/desk/sign-in/code/", **EN)
    assert b"Get a code by SMS to 139****5678" in page.content  # offered beside the app
    assert client.get(SMS, **EN).status_code == 200
    assert sms.outbox == []  # a GET sends nothing

    response = client.post(SMS, {"send": "1"}, **EN)
    assert response.status_code == 200
    assert b"A code is on its way to 139****5678" in response.content
    assert len(sms.outbox) == 1 and sms.outbox[0].kind == "officer_sign_in_code"
    assert SESSION_KEY not in client.session

    response = client.post(SMS, {"token": texted_code()}, **EN)
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/desk/", **EN).status_code == 200
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()).total_seconds() - settings.STAFF_SESSION_SECONDS) < 60


def test_the_code_works_once(client):
    user = officer_with_phone()
    password_step(client, user)
    client.post(SMS, {"send": "1"}, **EN)
    code = texted_code()
    client.post(SMS, {"token": code}, **EN)
    client.post("/desk/sign-out/")
    password_step(client, user)
    response = client.post(SMS, {"token": code}, **EN)
    assert response.status_code == 400 and b"already used" in response.content
    assert SESSION_KEY not in client.session


def test_no_sms_step_without_the_password(client):
    user = officer_with_phone()
    response = client.post(SMS, {"send": "1"}, **EN)
    assert response.status_code == 302 and "/desk/sign-in/" in response["Location"]
    assert sms.outbox == []
    client.force_login(user)  # even a signed-in session: the step belongs to a password step
    client.logout()
    assert client.post(SMS, {"token": "123456"}, **EN).status_code == 302


def test_an_officer_without_a_mobile_is_told_to_use_the_app(client):
    user = officer()
    staff_device(user)
    password_step(client, user)
    assert b"Get a code by SMS" not in client.get("/desk/sign-in/code/", **EN).content
    response = client.post(SMS, {"send": "1"}, **EN)
    assert response.status_code == 400
    assert b"No mobile number is on file" in response.content
    assert sms.outbox == []


def test_a_second_code_within_a_minute_is_refused(client):
    user = officer_with_phone()
    password_step(client, user)
    client.post(SMS, {"send": "1"}, **EN)
    response = client.post(SMS, {"send": "1"}, **EN)
    assert response.status_code == 429 and b"less than a minute ago" in response.content
    assert len(sms.outbox) == 1
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        password_step(client, user)
        assert client.post(SMS, {"send": "1"}, **EN).status_code == 200
    assert len(sms.outbox) == 2


def test_wrong_codes_are_slowed_and_burn_the_code(client, settings):
    settings.SIGN_IN_CODE_MAX_ATTEMPTS = 3
    user = officer_with_phone()
    password_step(client, user)
    client.post(SMS, {"send": "1"}, **EN)
    code = texted_code()
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(SMS, {"token": wrong}, **EN)
    assert response.status_code == 400 and b"That code is wrong" in response.content
    response = client.post(SMS, {"token": code}, **EN)  # at once: throttled, even if right
    assert response.status_code == 400 and b"Too many wrong codes" in response.content
    assert SESSION_KEY not in client.session
    later = timezone.now()
    for _ in range(2):
        later += dt.timedelta(minutes=1)
        with time_machine.travel(later):
            client.post(SMS, {"token": wrong}, **EN)
    with time_machine.travel(later + dt.timedelta(minutes=2)):
        response = client.post(SMS, {"token": code}, **EN)  # the right one, but burnt
    assert response.status_code == 400 and b"That code is wrong" in response.content
    assert SESSION_KEY not in client.session


def test_an_expired_code_is_refused(client, settings):
    user = officer_with_phone()
    password_step(client, user)
    client.post(SMS, {"send": "1"}, **EN)
    code = texted_code()
    with time_machine.travel(
        timezone.now() + dt.timedelta(seconds=settings.SIGN_IN_CODE_TTL_SECONDS + 1)
    ):
        password_step(client, user)
        response = client.post(SMS, {"token": code}, **EN)
    assert response.status_code == 400 and b"expired" in response.content


def test_a_code_texted_to_one_officer_does_not_sign_in_another(client):
    first = officer_with_phone()
    second = officer_with_phone(phone="13812345678")
    password_step(client, first)
    client.post(SMS, {"send": "1"}, **EN)
    code = texted_code()
    client.logout()
    password_step(client, second)
    response = client.post(SMS, {"token": code}, **EN)
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_the_sites_sms_budget_is_spent_and_then_refuses(client, settings):
    settings.SMS_BUDGET_PER_HOUR = 1
    first = officer_with_phone()
    second = officer_with_phone(phone="13812345678")
    password_step(client, first)
    assert client.post(SMS, {"send": "1"}, **EN).status_code == 200
    client.logout()
    password_step(client, second)
    response = client.post(SMS, {"send": "1"}, **EN)
    assert response.status_code == 429 and b"unusually many" in response.content
    assert len(sms.outbox) == 1
    assert not OfficerSMSDevice.objects.filter(user=second, token__isnull=False).exists()


def test_without_an_app_and_no_self_enrolment_the_officer_goes_to_sms(client, settings):
    settings.STAFF_2FA_SELF_ENROL = False
    user = officer_with_phone()
    password_step(client, user)
    response = client.get("/desk/sign-in/code/", **EN)
    assert response.status_code == 302 and response["Location"].startswith(SMS)
    page = client.get(SMS, **EN)
    assert b"Use your authenticator app instead" not in page.content


def test_bad_input_is_named(client):
    user = officer_with_phone()
    password_step(client, user)
    response = client.post(SMS, {"token": "12ab"}, **EN)
    assert response.status_code == 400 and b"Enter the 6 digits of the SMS" in response.content
    response = client.post(SMS, {"token": "123456"}, **EN)  # nothing sent yet
    assert response.status_code == 400 and b"Ask for a code first" in response.content


def test_the_code_never_reaches_the_log(client, caplog, settings):
    settings.SMS_SENDER = "riders.sms.ConsoleSMSSender"
    settings.DEBUG = False
    settings.SMS_CONSOLE_ALLOWED = True
    user = officer_with_phone()
    password_step(client, user)
    with caplog.at_level(logging.DEBUG):
        client.post(SMS, {"send": "1"}, **EN)
    token = OfficerSMSDevice.objects.get(user=user).token
    assert token and token not in caplog.text
    assert "139****5678" in caplog.text
    # The SMS log keeps the kind and the masked number, never the code or the number.
    log = SMSLog.objects.get()
    assert (log.kind, log.phone_masked, log.status) == (
        "officer_sign_in_code",
        "139****5678",
        "sent",
    )
    row = " ".join(str(value) for value in SMSLog.objects.values().get().values())
    assert token not in row and PHONE not in row


def test_an_officers_number_is_encrypted_at_rest():
    from django.db import connection

    user = officer_with_phone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM governance_officer WHERE user_id = %s", [user.pk])
        (column,) = cursor.fetchone()
    assert PHONE not in column and column.startswith("gAAAA")
    assert Officer.objects.get(user=user).phone == PHONE
