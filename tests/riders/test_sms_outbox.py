"""The SMS outbox: sign-in codes by the gateway, the log row, retries, the sweep, expiry."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from riders import services, sms_outbox
from riders.models import SignInCode, SMSLog, SMSStatus
from riders.tasks import send_sms, sweep_sms
from tests.factories import RiderFactory

from . import sms_gateways as gw

pytestmark = pytest.mark.django_db

IP = "127.0.0.1"


def sent_code(received) -> str:
    return json.loads(received.query["TemplateParam"])["code"]


def row_text(log: SMSLog) -> str:
    """Everything the log row stores, as one string."""
    return " ".join(str(getattr(log, field.attname)) for field in SMSLog._meta.concrete_fields)


def test_a_rider_signs_in_with_the_code_the_gateway_was_given(client, aliyun_gateway):
    rider = RiderFactory()
    client.post(reverse("riders:sign_in"), {"phone": rider.phone})
    (received,) = aliyun_gateway.requests
    assert received.signature_ok
    assert received.query["TemplateCode"] == gw.TEMPLATES["aliyun"]["sign_in_code"]
    assert received.query["PhoneNumbers"] == rider.phone
    code = sent_code(received)
    assert json.loads(received.query["TemplateParam"]) == {"code": code, "minutes": "5"}
    response = client.post(reverse("riders:sign_in_code"), {"code": code})
    assert response.status_code == 302 and response.url == reverse("portal:home")


def test_the_log_row_says_what_happened_and_holds_no_code_no_text_no_number(aliyun_gateway):
    rider = RiderFactory(phone="13912345678")
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    log = SMSLog.objects.get()
    code = sent_code(aliyun_gateway.requests[0])
    assert (log.kind, log.gateway, log.status, log.attempts) == (
        "sign_in_code",
        "aliyun",
        "sent",
        1,
    )
    assert log.phone_masked == "139****5678"
    assert log.message_id.startswith("9006197469") and log.sent_at is not None
    assert log.payload == ""
    stored = row_text(log)
    assert code not in stored and rider.phone not in stored and "Riders Portal" not in stored


def test_a_queued_row_keeps_number_and_params_only_encrypted(settings):
    rider = RiderFactory(phone="13912345678")
    log = sms_outbox.sms_create(
        phone=rider.phone, kind="sign_in_code", params={"code": "553311", "minutes": 5}
    )
    assert log.status == SMSStatus.QUEUED and log.payload
    assert "553311" not in row_text(log) and rider.phone not in row_text(log)
    assert sms_outbox._unseal(log.payload) == {
        "phone": rider.phone,
        "params": {"code": "553311", "minutes": 5},
    }
    settings.SECRET_KEY = "another-key-entirely-for-this-test-only-0123456789"
    assert sms_outbox._unseal(log.payload) is None


def test_a_transient_failure_is_retried_by_the_worker_with_backoff(
    aliyun_gateway, django_capture_on_commit_callbacks
):
    rider = RiderFactory()
    aliyun_gateway.answer(gw.aliyun_error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控"))
    with django_capture_on_commit_callbacks() as retries:
        services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    log = SMSLog.objects.get()
    assert (log.status, log.attempts, log.error_code) == (
        "queued",
        1,
        "isv.BUSINESS_LIMIT_CONTROL",
    )
    assert 4 <= (log.next_attempt_at - timezone.now()).total_seconds() <= 5  # 5 s backoff
    assert len(retries) == 1  # the retry task, queued with its countdown
    # Not due yet: a task that runs early does nothing.
    send_sms.delay(log.pk)
    assert len(aliyun_gateway.requests) == 1
    with time_machine.travel(log.next_attempt_at + dt.timedelta(seconds=1)):
        send_sms.delay(log.pk)
    log.refresh_from_db()
    assert (log.status, log.attempts, log.error_code) == ("sent", 2, "")
    assert len(aliyun_gateway.requests) == 2
    assert sent_code(aliyun_gateway.requests[0]) == sent_code(aliyun_gateway.requests[1])


def test_a_permanent_failure_is_logged_failed_and_never_retried(
    tencent_gateway, django_capture_on_commit_callbacks
):
    rider = RiderFactory()
    tencent_gateway.answer(gw.tencent_status("FailedOperation.PhoneNumberInBlacklist", "黑名单"))
    with django_capture_on_commit_callbacks() as retries:
        services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    log = SMSLog.objects.get()
    assert (log.status, log.attempts, log.error_code, log.payload) == (
        "failed",
        1,
        "FailedOperation.PhoneNumberInBlacklist",
        "",
    )
    assert not retries
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        send_sms.delay(log.pk)
        sweep_sms.delay()
    assert len(tencent_gateway.requests) == 1


def test_transient_failures_give_up_after_the_last_attempt(aliyun_gateway, settings):
    settings.SMS_MAX_ATTEMPTS = 3
    throttled = gw.aliyun_error("Throttling.User", "Request was denied", 400)
    aliyun_gateway.answer(throttled, throttled, throttled)
    log = sms_outbox.sms_create(
        phone="13812345678", kind="report_reopened", params={"report": "R1"}
    )
    for _try in range(3):
        SMSLog.objects.filter(pk=log.pk).update(next_attempt_at=timezone.now())
        sms_outbox.sms_attempt(log_id=log.pk)
    log.refresh_from_db()
    assert (log.status, log.attempts, log.error_code) == ("failed", 3, "Throttling.User")
    assert len(aliyun_gateway.requests) == 3


def test_a_queued_sms_goes_out_after_commit_with_its_template(
    tencent_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log = sms_outbox.sms_queue(
            phone="13812345678",
            kind="offer_expiring",
            params={"apartment": "李村公寓", "deadline": "06-12 18:00"},
        )
        assert not tencent_gateway.requests  # nothing leaves before the commit
    (received,) = tencent_gateway.requests
    assert received.json()["TemplateId"] == gw.TEMPLATES["tencent"]["offer_expiring"]
    assert received.json()["TemplateParamSet"] == ["李村公寓", "06-12 18:00"]
    log.refresh_from_db()
    assert log.status == "sent" and log.message_id.startswith("5000:")


def test_an_sms_rolled_back_with_its_transaction_is_never_sent(
    aliyun_gateway, django_capture_on_commit_callbacks
):
    from django.db import transaction

    callbacks = django_capture_on_commit_callbacks(execute=True)
    with callbacks, pytest.raises(RuntimeError), transaction.atomic():
        sms_outbox.sms_queue(phone="13812345678", kind="report_reopened", params={"report": "R1"})
        raise RuntimeError("the caller's write failed")
    assert not SMSLog.objects.exists() and not aliyun_gateway.requests


def test_wrong_kind_params_or_number_write_nothing():
    for kwargs in (
        {"kind": "free_text", "params": {}},
        {"kind": "bed_offer", "params": {"apartment": "A"}},
        {"kind": "report_reopened", "params": {"report": "R1"}, "phone": "12345"},
    ):
        with pytest.raises(ValueError):
            sms_outbox.sms_queue(**{"phone": "13812345678", **kwargs})
    assert not SMSLog.objects.exists()


def test_the_sweep_sends_what_no_task_took(aliyun_gateway, django_capture_on_commit_callbacks):
    lost = sms_outbox.sms_create(
        phone="13812345678", kind="subsidy_decision", params={"period": "2026-05"}
    )
    fresh = sms_outbox.sms_create(
        phone="13812345679", kind="subsidy_decision", params={"period": "2026-05"}
    )
    SMSLog.objects.filter(pk=lost.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_outbox.sms_sweep() == 1  # the fresh one still has its own task coming
    assert [r.query["PhoneNumbers"] for r in aliyun_gateway.requests] == ["13812345678"]
    assert SMSLog.objects.get(pk=lost.pk).status == "sent"
    assert SMSLog.objects.get(pk=fresh.pk).status == "queued"
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_outbox.sms_sweep() == 0  # a sent row is never swept again
    assert len(aliyun_gateway.requests) == 1


def test_the_sweep_leaves_a_row_a_worker_holds(aliyun_gateway, django_capture_on_commit_callbacks):
    log = sms_outbox.sms_create(
        phone="13812345678", kind="report_reopened", params={"report": "R1"}
    )
    SMSLog.objects.filter(pk=log.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=2)
    )
    assert sms_outbox.sms_claim(log_id=log.pk) is not None  # a worker is sending it now
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_outbox.sms_sweep() == 0
    assert not aliyun_gateway.requests


def test_a_sign_in_code_past_its_expiry_is_expired_by_the_sweep_not_sent(
    aliyun_gateway, django_capture_on_commit_callbacks
):
    rider = RiderFactory()
    aliyun_gateway.answer("reset")  # the inline try fails; then the retry message is lost
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    assert SMSLog.objects.get().status == "queued"
    later = time_machine.travel(timezone.now() + dt.timedelta(minutes=6))
    with later, django_capture_on_commit_callbacks(execute=True):
        assert sms_outbox.sms_sweep() == 0
    log = SMSLog.objects.get()
    assert (log.status, log.payload) == ("expired", "")
    assert len(aliyun_gateway.requests) == 1


def test_a_lost_sign_in_code_within_its_expiry_is_resent_by_the_sweep(
    aliyun_gateway, django_capture_on_commit_callbacks
):
    rider = RiderFactory()
    aliyun_gateway.answer("reset")
    services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    later = time_machine.travel(timezone.now() + dt.timedelta(minutes=2))
    with later, django_capture_on_commit_callbacks(execute=True):
        assert sms_outbox.sms_sweep() == 1
    assert SMSLog.objects.get().status == "sent"
    first, second = aliyun_gateway.requests
    assert sent_code(first) == sent_code(second)  # the same code, still the valid one


def test_a_code_replaced_by_a_newer_one_is_not_sent(aliyun_gateway, settings):
    rider = RiderFactory()
    log = sms_outbox.sms_create(
        phone=rider.phone,
        kind="sign_in_code",
        params={"code": "111111", "minutes": 5},
        sign_in_code=SignInCode.objects.create(
            phone_hash=rider.phone_hash,
            phone_masked=rider.masked_phone,
            code_hash="x" * 64,
            created_at=timezone.now(),
            expires_at=timezone.now() + dt.timedelta(minutes=5),
            is_current=False,
        ),
    )
    outcome = sms_outbox.sms_attempt(log_id=log.pk)
    assert outcome.status == "expired" and not aliyun_gateway.requests


def test_the_console_sender_prints_the_rendered_text_in_the_riders_language(settings, caplog):
    settings.SMS_SENDER = "riders.sms.ConsoleSMSSender"
    settings.DEBUG = True
    rider = RiderFactory(user__language="en")
    with caplog.at_level("WARNING", logger="riders.sms"):
        services.sign_in_code_request(phone=rider.phone, client_ip=IP)
    assert re.search(r"Riders Portal sign-in code: \d{6}\. It expires in 5 minutes", caplog.text)
    assert SMSLog.objects.get().gateway == "console"


def test_beat_runs_the_sweep_every_minute(settings):
    from riders_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-sms"]
    assert entry == {"task": "riders.tasks.sweep_sms", "schedule": 60.0}
    assert app.tasks[entry["task"]].name == sweep_sms.name == "riders.tasks.sweep_sms"
