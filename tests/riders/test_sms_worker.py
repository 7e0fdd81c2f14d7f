"""A real Celery worker sends a queued SMS exactly once, retrying a throttled try."""

import time

import pytest
from django.db import transaction

from riders import sms_outbox
from riders.models import SMSLog

from . import sms_gateways as gw

pytestmark = pytest.mark.worker


@pytest.fixture
def local_aliyun():
    gateway, server = gw.start("aliyun")
    yield gateway
    server.shutdown()
    server.server_close()


def test_the_worker_sends_a_queued_sms_once_and_retries_a_throttled_try(
    celery_worker_factory, local_aliyun, settings
):
    for name, value in gw.settings_for("aliyun", local_aliyun.url).items():
        setattr(settings, name, value)  # the gateway name the row records
    worker = celery_worker_factory(
        env={**gw.environment_for("aliyun", local_aliyun.url), "SMS_RETRY_BASE_SECONDS": "1"}
    )
    local_aliyun.answer(gw.aliyun_error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控"))
    with transaction.atomic():
        throttled = sms_outbox.sms_queue(
            phone="13812345678",
            kind="bed_offer",
            params={"apartment": "李村公寓", "deadline": "06-12 18:00"},
        )
        plain = sms_outbox.sms_queue(
            phone="13812345679", kind="report_reopened", params={"report": "QD-2026-000123"}
        )
    worker.wait_until(
        lambda: (
            set(
                SMSLog.objects.filter(pk__in=[throttled.pk, plain.pk]).values_list(
                    "status", flat=True
                )
            )
            == {"sent"}
        ),
        what="both SMS to be sent",
    )
    time.sleep(2)  # room for a duplicate to show up, if there were one
    by_phone: dict[str, int] = {}
    for received in local_aliyun.requests:
        assert received.signature_ok
        by_phone[received.query["PhoneNumbers"]] = (
            by_phone.get(received.query["PhoneNumbers"], 0) + 1
        )
    # The throttled one: refused once, then sent once; the other: sent once.
    assert by_phone == {"13812345678": 2, "13812345679": 1}
    throttled.refresh_from_db()
    assert (throttled.attempts, throttled.gateway, throttled.payload) == (2, "aliyun", "")
    worker.stop()
