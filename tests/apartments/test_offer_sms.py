"""A bed offer reaches the rider by SMS with its deadline; one reminder 6 h before it expires."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apartments import services
from apartments.messages import OFFER_EXPIRING
from apartments.models import Application
from apartments.tasks import remind_bed_offers
from core.models import Notification
from riders.models import SMSLog
from riders.sms_outbox import sms_sweep
from tests.factories import RiderFactory, apartment_with_beds

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 12, 3, 9, 30, tzinfo=SHANGHAI)


def waiting(apartment, rider=None):
    rider = rider or RiderFactory()
    # On the morning's day: a move-in date of 2026-12-03 was in the past from that day on.
    with time_machine.travel(MORNING, tick=False):
        return services.application_submit(
            rider=rider, apartments=[apartment], desired_move_in=MORNING.date()
        )


def offer(at=MORNING, beds=1):
    apartment = apartment_with_beds(beds, name="李村骑手公寓")
    applications = [waiting(apartment) for _ in range(beds)]
    with time_machine.travel(at, tick=False):
        services.beds_fill(apartment=apartment, by=None)
    return [Application.objects.get(pk=a.pk) for a in applications]


def test_an_offer_is_an_sms_with_the_deadline(sms_outbox, django_capture_on_commit_callbacks):
    apartment = apartment_with_beds(1, name="李村骑手公寓")
    application = waiting(apartment, RiderFactory(phone="13900001111"))
    with time_machine.travel(MORNING, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.beds_fill(apartment=apartment, by=None)
    (sms,) = sms_outbox
    assert (sms.phone, sms.kind) == ("13900001111", "bed_offer")
    assert dict(sms.params) == {"apartment": "李村骑手公寓", "deadline": "12-05 09:30"}
    assert "12-05 09:30" in sms.text
    log = SMSLog.objects.get()
    application.refresh_from_db()
    assert log.expires_at <= application.offer_expires_at
    # The inbox has it too, as before.
    assert Notification.objects.filter(
        recipient=application.rider.user, kind="apartments.bed_offered"
    ).exists()


def test_an_offer_made_at_night_is_texted_at_seven():
    (application,) = offer(at=dt.datetime(2026, 12, 3, 23, 10, tzinfo=SHANGHAI))
    log = SMSLog.objects.get(kind="bed_offer")
    assert log.next_attempt_at == dt.datetime(2026, 12, 4, 7, 0, tzinfo=SHANGHAI)
    assert application.status == "offered"


@pytest.mark.parametrize("answer", ["accept", "decline", "cancel"])
def test_an_offer_answered_in_the_night_withdraws_its_held_sms(
    answer, sms_outbox, django_capture_on_commit_callbacks
):
    """Offered at 23:10, the SMS is held for 07:00; the rider answers in the portal at 23:30:
    no "a bed is offered to you" at seven."""
    (application,) = offer(at=dt.datetime(2026, 12, 3, 23, 10, tzinfo=SHANGHAI))
    (other,) = offer(at=dt.datetime(2026, 12, 3, 23, 10, tzinfo=SHANGHAI))
    with time_machine.travel(dt.datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI), tick=False):
        {
            "accept": services.offer_accept,
            "decline": services.offer_decline,
            "cancel": services.application_cancel,
        }[answer](application=application, rider=application.rider)
    withdrawn = SMSLog.objects.get(subject=services.offer_subject(application))
    assert (withdrawn.status, withdrawn.error_code, withdrawn.payload) == (
        "expired",
        "withdrawn",
        "",
    )
    # The other rider's held offer is untouched, and goes at seven; the answered one never.
    with (
        time_machine.travel(dt.datetime(2026, 12, 4, 7, 0, 5, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sms_sweep(after_seconds=0)
    assert [m.phone for m in sms_outbox if m.kind == "bed_offer"] == [other.rider.phone]


def test_the_reminder_goes_once_6_hours_before_the_offer_expires(sms_outbox):
    (application,) = offer()
    expires = application.offer_expires_at
    with time_machine.travel(expires - dt.timedelta(hours=6, minutes=1), tick=False):
        assert services.offer_reminders_send() == 0  # not yet
    with time_machine.travel(expires - dt.timedelta(hours=5, minutes=58), tick=False):
        assert remind_bed_offers() == 1  # what beat runs every 5 minutes
        assert services.offer_reminders_send() == 0  # the next run: already reminded
    application.refresh_from_db()
    assert application.offer_reminded_at == expires - dt.timedelta(hours=5, minutes=58)
    log = SMSLog.objects.get(kind="offer_expiring")
    assert log.expires_at <= expires
    assert (
        Notification.objects.filter(
            recipient=application.rider.user, kind=OFFER_EXPIRING.kind
        ).count()
        == 1
    )


def test_no_reminder_for_an_answered_or_expired_offer():
    accepted, declined = offer(beds=2)
    services.offer_accept(application=accepted, rider=accepted.rider)
    services.offer_decline(application=declined, rider=declined.rider)
    with time_machine.travel(accepted.offer_expires_at - dt.timedelta(hours=1), tick=False):
        assert services.offer_reminders_send() == 0
    (late,) = offer()
    with time_machine.travel(late.offer_expires_at + dt.timedelta(minutes=1), tick=False):
        assert services.offer_reminders_send() == 0
    assert not SMSLog.objects.filter(kind="offer_expiring").exists()


def test_a_reminder_due_at_night_for_an_offer_expiring_before_seven_goes_at_once():
    # Offered at 05:00, expiring 05:00 two days on: the reminder is due at 23:00 and the
    # offer expires before the quiet hours end, so it is not held back.
    offer(at=dt.datetime(2026, 12, 3, 5, 0, tzinfo=SHANGHAI))
    night = dt.datetime(2026, 12, 4, 23, 0, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False):
        assert services.offer_reminders_send() == 1
    log = SMSLog.objects.get(kind="offer_expiring")
    assert log.next_attempt_at == night


def test_a_reminder_due_at_night_for_an_offer_expiring_later_waits_for_seven():
    offer(at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))
    with time_machine.travel(dt.datetime(2026, 12, 5, 4, 30, tzinfo=SHANGHAI), tick=False):
        assert services.offer_reminders_send() == 1
    log = SMSLog.objects.get(kind="offer_expiring")
    assert log.next_attempt_at == dt.datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI)


def test_the_reminder_run_costs_the_same_queries_for_2_and_8_offers(django_assert_num_queries):
    small, large = offer(beds=2), offer(beds=8)
    expires = small[0].offer_expires_at
    Application.objects.filter(pk__in=[a.pk for a in large]).update(
        offer_reminded_at=expires  # out of the way for the first count
    )
    with time_machine.travel(expires - dt.timedelta(hours=1), tick=False):
        with CaptureQueriesContext(connection) as counted:
            assert services.offer_reminders_send() == 2
        Application.objects.filter(pk__in=[a.pk for a in large]).update(offer_reminded_at=None)
        with django_assert_num_queries(len(counted.captured_queries)):
            assert services.offer_reminders_send() == 8
