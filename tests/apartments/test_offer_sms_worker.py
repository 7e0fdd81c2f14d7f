"""A real Celery worker: an offer sends exactly one SMS, and exactly one reminder however often
the reminder beat and the SMS sweep run, through the Aliyun SDK to a local gateway."""

import datetime as dt
import json
import time

import pytest
from django.db import transaction
from django.utils import timezone

from apartments import services
from apartments.models import Application
from apartments.tasks import remind_bed_offers
from riders.models import SMSLog
from riders.tasks import sweep_sms
from tests.factories import RiderFactory, apartment_with_beds
from tests.riders import sms_gateways as gw

pytestmark = pytest.mark.worker

# Both processes without quiet hours: the test must not depend on the hour it runs at (the
# quiet-hour rules have their own tests, with time_machine).
NO_QUIET_HOURS = {"NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00"}


@pytest.fixture
def local_aliyun(settings):
    gateway, server = gw.start("aliyun")
    for name, value in gw.settings_for("aliyun", gateway.url).items():
        setattr(settings, name, value)
    for name, value in NO_QUIET_HOURS.items():
        setattr(settings, name, value)
    yield gateway
    server.shutdown()
    server.server_close()


def test_an_offer_sends_one_sms_and_one_reminder(celery_worker_factory, local_aliyun):
    worker = celery_worker_factory(
        env={**gw.environment_for("aliyun", local_aliyun.url), **NO_QUIET_HOURS}
    )
    apartment = apartment_with_beds(1, name="李村骑手公寓")
    rider = RiderFactory(phone="13900003333")
    application = services.application_submit(
        rider=rider, apartments=[apartment], desired_move_in=timezone.localdate()
    )
    with transaction.atomic():
        services.beds_fill(apartment=apartment, by=None)
    worker.wait_until(
        lambda: SMSLog.objects.filter(kind="bed_offer", status="sent").exists(),
        what="the offer's SMS to be sent",
    )
    # Five hours left: the reminder is due. Beat sends the reminder task every 5 minutes and
    # the sweep every minute; here three of each arrive at once.
    expires = timezone.now() + dt.timedelta(hours=5)
    Application.objects.filter(pk=application.pk).update(offer_expires_at=expires)
    for _ in range(3):
        remind_bed_offers.delay()
        sweep_sms.delay()
    worker.wait_until(
        lambda: SMSLog.objects.filter(kind="offer_expiring", status="sent").exists(),
        what="the reminder's SMS to be sent",
    )
    time.sleep(3)  # room for a duplicate to show up, if there were one
    worker.stop()
    sent = [
        (r.query["PhoneNumbers"], r.query["TemplateCode"], r.query["TemplateParam"])
        for r in local_aliyun.requests
    ]
    assert all(r.signature_ok for r in local_aliyun.requests)
    deadline = timezone.localtime(expires).strftime("%m-%d %H:%M")
    templates = gw.TEMPLATES["aliyun"]
    assert [(phone, code) for phone, code, _params in sent] == [
        ("13900003333", templates["bed_offer"]),
        ("13900003333", templates["offer_expiring"]),
    ]
    assert json.loads(sent[1][2]) == {"apartment": "李村骑手公寓", "deadline": deadline}
    assert SMSLog.objects.count() == 2
    application.refresh_from_db()
    assert application.offer_reminded_at is not None
    assert rider.user.notifications.filter(kind="apartments.offer_expiring").count() == 1
