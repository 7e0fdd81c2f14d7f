"""riders/notify.py: the inbox always; the SMS by preference, quiet hours, cap and budget."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import Notification
from riders import notify, services
from riders.messages import POLICY_ANNOUNCED
from riders.models import CounterScope, LimitCounter, SMSLog, SMSOptOut
from riders.sms_outbox import sms_sweep
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, second: int = 0, day: int = 3) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


def offer_sms(expires_at: dt.datetime | None = None) -> notify.SMSNotice:
    return notify.SMSNotice(
        "bed_offer", {"apartment": "李村公寓", "deadline": "12-05 10:00"}, expires_at=expires_at
    )


def notify_offer(rider, *, expires_at=None, **kwargs) -> notify.Notified:
    return notify.rider_notify(
        rider=rider,
        message=POLICY_ANNOUNCED,
        params={"policy": {"zh-hans": "新政", "en": "New rules"}},
        link="/apartments/mine/",
        sms=offer_sms(expires_at),
        **kwargs,
    )


@pytest.fixture
def daytime():
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller


def test_daytime_the_inbox_row_and_the_sms_go_now(
    daytime, sms_outbox, django_capture_on_commit_callbacks
):
    rider = RiderFactory(phone="13912340001")
    with django_capture_on_commit_callbacks(execute=True):  # the send task runs (eagerly)
        notified = notify_offer(rider, expires_at=at(10, day=5))
    assert notified.sms_decision == notify.QUEUED
    assert Notification.objects.filter(recipient=rider.user, kind=POLICY_ANNOUNCED.kind).exists()
    assert [(m.phone, m.kind, dict(m.params)) for m in sms_outbox] == [
        ("13912340001", "bed_offer", {"apartment": "李村公寓", "deadline": "12-05 10:00"})
    ]
    log = SMSLog.objects.get()
    assert (log.status, log.expires_at <= at(10, day=5)) == ("sent", True)


def test_a_kind_the_rider_turned_off_goes_to_the_inbox_only(daytime, sms_outbox):
    rider = RiderFactory()
    notify.sms_preferences_set(
        rider=rider, kinds_on={"offer_expiring", "report_question", "subsidy_decision"}
    )
    notified = notify_offer(rider)
    assert notified.sms_decision == notify.OPTED_OUT
    assert notified.notification.pk and not SMSLog.objects.exists()
    # The other kinds still come by SMS.
    question = notify.rider_notify(
        rider=rider,
        message=POLICY_ANNOUNCED,
        sms=notify.SMSNotice("report_question", {"report": "R1", "deadline": "12-05 10:00"}),
    )
    assert question.sms_decision == notify.QUEUED


def test_preferences_default_on_and_are_replaced_whole():
    rider = RiderFactory()
    assert notify.sms_kinds_on(rider=rider) == set(notify.RIDER_SMS_KINDS)
    notify.sms_preferences_set(rider=rider, kinds_on=["bed_offer"])
    assert notify.sms_kinds_on(rider=rider) == {"bed_offer"}
    notify.sms_preferences_set(rider=rider, kinds_on=notify.RIDER_SMS_KINDS)
    assert not SMSOptOut.objects.filter(rider=rider).exists()
    with pytest.raises(ValueError):
        notify.sms_preferences_set(rider=rider, kinds_on=["bed_offer", "sign_in_code"])
    assert notify.sms_kinds_on(rider=rider) == set(notify.RIDER_SMS_KINDS)


def test_the_database_refuses_a_second_or_unknown_opt_out():
    rider = RiderFactory()
    SMSOptOut.objects.create(rider=rider, kind="bed_offer")
    with pytest.raises(IntegrityError), transaction.atomic():
        SMSOptOut.objects.create(rider=rider, kind="bed_offer")
    with pytest.raises(IntegrityError), transaction.atomic():
        SMSOptOut.objects.create(rider=rider, kind="sign_in_code")


def test_an_inactive_rider_gets_no_sms(daytime):
    rider = RiderFactory(is_active=False)
    assert notify_offer(rider).sms_decision == notify.INACTIVE
    assert Notification.objects.filter(recipient=rider.user).count() == 1


@pytest.mark.parametrize(
    ("now", "morning"),
    [(at(22), at(7, day=4)), (at(23, 59), at(7, day=4)), (at(3), at(7)), (at(6, 59), at(7))],
)
def test_in_the_quiet_hours_the_sms_waits_until_seven(now, morning, sms_outbox):
    rider = RiderFactory()
    with time_machine.travel(now, tick=False):
        notified = notify_offer(rider, expires_at=now + dt.timedelta(hours=48))
    assert notified.sms_decision == notify.DEFERRED
    assert notified.sms.next_attempt_at == morning
    assert notified.sms.expires_at > morning


def test_the_quiet_hours_end_at_seven_and_start_at_ten(sms_outbox):
    rider = RiderFactory()
    for moment in (at(7), at(21, 59)):
        with time_machine.travel(moment, tick=False):
            assert notify_offer(rider).sms_decision == notify.QUEUED


def test_a_matter_expiring_before_morning_is_sent_at_night():
    rider = RiderFactory()
    with time_machine.travel(at(23), tick=False):
        notified = notify_offer(rider, expires_at=at(5, day=4))
    assert notified.sms_decision == notify.QUEUED
    assert notified.sms.next_attempt_at == at(23)
    assert notified.sms.expires_at == at(5, day=4)


def test_an_announcement_waits_for_the_morning_whatever_it_expires(settings):
    rider = RiderFactory()
    with time_machine.travel(at(23), tick=False):
        notified = notify.rider_notify(
            rider=rider,
            message=POLICY_ANNOUNCED,
            sms=notify.SMSNotice("policy_notice", {"policy": "新政"}, expires_at=at(5, day=4)),
        )
    assert notified.sms_decision == notify.EXPIRED  # not worth sending once it is morning
    assert not SMSLog.objects.exists()


def test_a_deferred_sms_is_sent_by_the_sweep_after_seven(
    sms_outbox, django_capture_on_commit_callbacks
):
    rider = RiderFactory(phone="13912340002")
    with time_machine.travel(at(23), tick=False):
        notified = notify_offer(rider, expires_at=at(23, day=5))
    with time_machine.travel(at(6, 59, day=4), tick=False):
        assert sms_sweep() == 0
    later = time_machine.travel(at(7, 1, day=4) + dt.timedelta(seconds=1), tick=False)
    # The sweep's send tasks run (eagerly) when its batch commits.
    with later, django_capture_on_commit_callbacks(execute=True):
        assert sms_sweep() == 1
    log = SMSLog.objects.get(pk=notified.sms.pk)
    assert log.status == "sent"
    assert [m.phone for m in sms_outbox] == ["13912340002"]


def test_at_seven_the_held_sms_are_sent_at_once(sms_outbox, django_capture_on_commit_callbacks):
    from riders.tasks import send_held_sms

    rider = RiderFactory(phone="13912340003")
    with time_machine.travel(at(23), tick=False):
        notify_offer(rider, expires_at=at(23, day=5))
    with time_machine.travel(at(6, 59, 59, day=4), tick=False):
        assert send_held_sms() == 0
    with (
        time_machine.travel(at(7, day=4), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_held_sms() == 1  # what beat runs at NOTIFY_QUIET_END
    assert [m.phone for m in sms_outbox] == ["13912340003"]
    assert SMSLog.objects.get().sent_at == at(7, day=4)


def test_no_quiet_hours_when_start_equals_end(settings):
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"
    rider = RiderFactory()
    with time_machine.travel(at(2), tick=False):
        assert notify_offer(rider).sms_decision == notify.QUEUED
    assert notify.quiet_hours_label() == ""


def test_the_rider_daily_cap(daytime, settings):
    settings.NOTIFY_SMS_PER_RIDER_PER_DAY = 2
    rider, other = RiderFactory(), RiderFactory()
    decisions = [notify_offer(rider).sms_decision for _ in range(3)]
    assert decisions == [notify.QUEUED, notify.QUEUED, notify.CAPPED]
    assert Notification.objects.filter(recipient=rider.user).count() == 3  # the inbox has all
    assert notify_offer(other).sms_decision == notify.QUEUED
    daytime.move_to(at(10, day=4))  # a new day
    assert notify_offer(rider).sms_decision == notify.QUEUED


def test_the_cap_counts_a_rider_twice_in_one_batch(daytime, settings):
    settings.NOTIFY_SMS_PER_RIDER_PER_DAY = 1
    rider = RiderFactory()
    notices = [notify.Notice(rider, POLICY_ANNOUNCED, sms=offer_sms()) for _ in range(2)]
    assert [n.sms_decision for n in notify.riders_notify(notices=notices)] == [
        notify.QUEUED,
        notify.CAPPED,
    ]


def test_an_sms_deferred_to_the_morning_counts_on_the_morning_day(settings):
    settings.NOTIFY_SMS_PER_RIDER_PER_DAY = 1
    rider = RiderFactory()
    with time_machine.travel(at(21), tick=False):
        assert notify_offer(rider).sms_decision == notify.QUEUED
    with time_machine.travel(at(23), tick=False):
        assert notify_offer(rider).sms_decision == notify.DEFERRED  # tomorrow's SMS


def test_the_budget_moves_what_does_not_fit_to_the_next_hour(daytime, settings):
    settings.NOTIFY_SMS_BUDGET_PER_HOUR = 3
    settings.NOTIFY_BULK_SHARE_PERCENT = 100
    riders = [RiderFactory() for _ in range(5)]
    results = notify.riders_notify(
        notices=[notify.Notice(r, POLICY_ANNOUNCED, sms=offer_sms(at(10, day=5))) for r in riders]
    )
    assert [r.sms_decision for r in results] == [notify.QUEUED] * 3 + [notify.DEFERRED] * 2
    assert {r.sms.next_attempt_at for r in results[3:]} == {at(11)}
    assert Notification.objects.filter(kind=POLICY_ANNOUNCED.kind).count() == 5


def test_when_the_budget_is_spent_the_admins_are_told_once(daytime, settings):
    from django.contrib.auth.models import Group

    from core.roles import CENTRE_ADMIN
    from riders.messages import NOTIFY_BUDGET_SPENT
    from tests.factories import StaffFactory

    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    settings.NOTIFY_SMS_BUDGET_PER_HOUR = 2
    rider = RiderFactory()
    # Two fill 10:00, the next two wait for 11:00: one alert, for the hour that is full.
    for _ in range(4):
        notify_offer(rider)
    alerts = Notification.objects.filter(recipient=admin, kind=NOTIFY_BUDGET_SPENT.kind)
    assert alerts.count() == 1


def test_an_sms_the_budget_pushes_past_its_matter_is_dropped_not_the_inbox(daytime, settings):
    settings.NOTIFY_SMS_BUDGET_PER_HOUR = 1
    first, second = RiderFactory(), RiderFactory()
    assert notify_offer(first, expires_at=at(10, 30)).sms_decision == notify.QUEUED
    dropped = notify_offer(second, expires_at=at(10, 30))
    assert dropped.sms_decision == notify.EXPIRED and dropped.sms is None
    assert Notification.objects.filter(recipient=second.user).count() == 1
    # The rider's day got its SMS back.
    assert (
        LimitCounter.objects.get(scope=CounterScope.NOTIFY_RIDER_DAY, key=str(second.pk)).count == 0
    )


def test_announcements_leave_room_in_the_hour_for_what_cannot_wait(daytime, settings):
    settings.NOTIFY_SMS_BUDGET_PER_HOUR = 10
    settings.NOTIFY_BULK_SHARE_PERCENT = 50
    riders = [RiderFactory() for _ in range(8)]
    notify.riders_notify(
        notices=[
            notify.Notice(
                r, POLICY_ANNOUNCED, sms=notify.SMSNotice("policy_notice", {"policy": "新"})
            )
            for r in riders
        ]
    )
    assert SMSLog.objects.filter(next_attempt_at=at(10)).count() == 5
    assert SMSLog.objects.filter(next_attempt_at=at(11)).count() == 3
    # A bed offer still goes this hour.
    assert notify_offer(RiderFactory()).sms_decision == notify.QUEUED


def test_notification_budget_is_not_the_sign_in_budget(daytime, settings):
    settings.SMS_BUDGET_PER_HOUR = 1
    for _ in range(3):
        assert notify_offer(RiderFactory()).sms_decision == notify.QUEUED
    assert not LimitCounter.objects.filter(scope=CounterScope.SMS_HOUR).exists()
    assert LimitCounter.objects.get(scope=CounterScope.NOTIFY_SITE_HOUR).count == 3


def test_wrong_sms_kind_or_params_write_nothing(daytime):
    rider = RiderFactory()
    with pytest.raises(ValueError):
        notify.rider_notify(
            rider=rider,
            message=POLICY_ANNOUNCED,
            sms=notify.SMSNotice("sign_in_code", {"code": "123456", "minutes": 5}),
        )
    with pytest.raises(ValueError):
        notify.rider_notify(
            rider=rider, message=POLICY_ANNOUNCED, sms=notify.SMSNotice("bed_offer", {"x": 1})
        )
    assert not Notification.objects.exists() and not SMSLog.objects.exists()


def test_no_sms_offered_is_an_inbox_row_only(daytime):
    rider = RiderFactory()
    notified = notify.rider_notify(rider=rider, message=POLICY_ANNOUNCED)
    assert (notified.sms_decision, notified.sms) == (notify.NO_SMS, None)
    assert not LimitCounter.objects.exists()


def test_policy_announce_tells_every_active_rider_once(
    daytime, sms_outbox, django_capture_on_commit_callbacks
):
    riders = [RiderFactory() for _ in range(4)]
    RiderFactory(is_active=False)
    SMSOptOut.objects.create(rider=riders[0], kind="policy_notice")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        told = notify.policy_announce(policy="骑手社保补贴新政", policy_en="New insurance subsidy")
    assert told == 4
    assert Notification.objects.filter(kind=POLICY_ANNOUNCED.kind).count() == 4
    assert len(callbacks) == 1  # one send_sms_batch task for the three SMS
    assert sorted(m.phone for m in sms_outbox) == sorted(r.phone for r in riders[1:])
    assert {m.kind for m in sms_outbox} == {"policy_notice"}


def test_the_batch_costs_the_same_queries_for_10_and_40_riders(daytime, django_assert_num_queries):
    def batch(n: int):
        riders = [RiderFactory() for _ in range(n)]
        return [notify.Notice(r, POLICY_ANNOUNCED, sms=offer_sms()) for r in riders]

    small, large = batch(10), batch(40)
    with CaptureQueriesContext(connection) as first:
        notify.riders_notify(notices=small)
    with django_assert_num_queries(len(first.captured_queries)):
        notify.riders_notify(notices=large)


def test_counters_of_past_days_are_purged_with_the_sign_in_ones(daytime):
    notify_offer(RiderFactory())
    assert LimitCounter.objects.count() == 2  # the rider's day, the hour
    with time_machine.travel(at(10, day=4)):
        services.sign_in_codes_purge()
    assert LimitCounter.objects.count() == 2
    with time_machine.travel(at(10, day=6)):
        services.sign_in_codes_purge()
    assert not LimitCounter.objects.exists()


def test_the_announce_policy_command(daytime, capsys):
    from django.core.management import CommandError, call_command

    RiderFactory()
    RiderFactory()
    call_command(
        "announce_policy", "骑手社保补贴新政", "--english", "New rules", "--link", "/subsidy/"
    )
    assert "2 riders told" in capsys.readouterr().out
    assert Notification.objects.filter(kind=POLICY_ANNOUNCED.kind, link="/subsidy/").count() == 2
    assert SMSLog.objects.filter(kind="policy_notice").count() == 2
    with pytest.raises(CommandError):
        call_command("announce_policy", " ")
    with pytest.raises(CommandError):
        call_command("announce_policy", "新政", "--link", "https://evil.example/")
    call_command("announce_policy", "新政二", "--no-sms")
    assert SMSLog.objects.count() == 2
