"""Telling a rider something: the inbox always, an SMS only for what cannot wait (issue 16).

Every domain app calls `rider_notify` (one rider) or `riders_notify` (a batch: one INSERT per
2,000 inbox rows and SMS rows) in the transaction of the change that causes the message. The
inbox row is a kind + params (core/messages.py), rendered when read in the reader's language;
it is always written, whatever becomes of the SMS. The SMS, when the caller offers one, is
decided here, in this order:

1. Only the kinds in RIDER_SMS_KINDS, and only to an active rider who has agreed to SMS
   notices (the SMS gates: privacy registers the rider's consent, issue 20; without it the
   inbox only) and has not turned that kind off (Me → SMS messages; riders.SMSOptOut,
   default on). Sign-in codes never come here: they are not notices and are never gated.
2. The quiet hours (NOTIFY_QUIET_START–NOTIFY_QUIET_END, local time): an SMS planned inside
   them waits until they end — its row is queued with `next_attempt_at` at 07:00 and the SMS
   sweep (riders.tasks.sweep_sms, every minute) sends it then — unless it is time-critical and
   its matter expires before they end (an offer expiring at 05:00): that one goes now.
3. The rider's day: at most NOTIFY_SMS_PER_RIDER_PER_DAY notification SMS (local day of the
   planned send time); past that, inbox only.
4. The site's hour: at most NOTIFY_SMS_BUDGET_PER_HOUR notification SMS planned per hour, a
   budget of their own, apart from the sign-in codes' SMS_BUDGET_PER_HOUR (docs/decisions.md,
   "Notification SMS have their own budget"). Announcements (not time-critical) may fill only
   NOTIFY_BULK_SHARE_PERCENT of an hour, so a policy sent to 41,000 riders never delays a bed
   offer. What does not fit an hour is planned for the next one (the quiet hours again
   respected), or dropped — inbox only — once its matter would expire first. When an hour is
   full the centre admins are told, once.

Both limits are counters in the database (riders.LimitCounter, scopes notify_*) taken with a
conditional UPDATE, so they hold under concurrency. Rows due now are sent by tasks queued after
commit, in chunks of 500 (riders.tasks.send_sms_batch); rows held back are the sweep's.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.messages import Message, Params, bilingual
from core.models import District, Notification, User
from core.queue import enqueue_on_commit
from core.roles import CENTRE_ADMIN
from core.services import notification_build, notification_post

from . import messages
from .models import RIDER_SMS_KINDS, CounterScope, LimitCounter, Rider, SMSLog, SMSOptOut
from .sms_outbox import sms_build
from .sms_templates import sms_kind

logger = logging.getLogger("riders.notify")

# Time-critical: may break the quiet hours when their matter expires before morning, and may
# use the whole hourly budget. The rest of RIDER_SMS_KINDS (announcements) may not.
URGENT_KINDS = frozenset(
    {"bed_offer", "offer_expiring", "report_question", "report_reopened", "subsidy_decision"}
)
BATCH_SIZE = 2000  # rows per INSERT / keys per UPDATE (well under SQLite's variable limit)
QUEUE_CHUNK = 500  # SMS ids per send_sms_batch task
SPILL_MAX_HOURS = 7 * 24  # an SMS the budget pushes further than this is dropped
HOUR = dt.timedelta(hours=1)

# What became of a notice's SMS (Notified.sms_decision).
NO_SMS = "none"  # the caller offered none
QUEUED = "queued"  # goes now
DEFERRED = "deferred"  # queued for later: the quiet hours, or the next hour's budget
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"  # the rider has not agreed to SMS notices (an SMS gate said no)
INACTIVE = "inactive"
CAPPED = "capped"  # the rider's daily cap
BUDGET_SPENT = "budget_spent"
EXPIRED = "expired"  # its matter expires before it could go


@dataclass(frozen=True)
class SMSNotice:
    """The SMS a notice may also go as: a kind of riders/sms_templates.py and its params, and
    when the matter expires (an offer's deadline): after that the SMS is no use."""

    kind: str
    params: Mapping[str, Any]
    expires_at: dt.datetime | None = None
    # What it is about (riders.SMSLog.subject): the matter's end withdraws it if still held.
    subject: str = ""


@dataclass(frozen=True)
class Notice:
    """One message to one rider: the inbox message (kind, params, link, a typed body) and,
    optionally, its SMS."""

    rider: Rider  # with .user loaded (the inbox row's recipient, the SMS's language)
    message: Message
    params: Params = field(default_factory=dict)
    link: str = ""
    body: str = ""  # text a person typed (a department's question), shown as is
    sms: SMSNotice | None = None


@dataclass(frozen=True)
class Notified:
    notification: Notification
    sms: SMSLog | None
    sms_decision: str


def rider_notify(
    *,
    rider: Rider,
    message: Message,
    params: Params | None = None,
    link: str = "",
    body: str = "",
    sms: SMSNotice | None = None,
    now: dt.datetime | None = None,
) -> Notified:
    """Tell one rider: the inbox message, and the SMS if the rules above let it go."""
    notice = Notice(rider, message, params or {}, link, body, sms)
    return riders_notify(notices=[notice], now=now)[0]


def riders_notify(*, notices: Sequence[Notice], now: dt.datetime | None = None) -> list[Notified]:
    """Tell many riders at once, in the caller's transaction: a constant number of queries
    per 2,000 notices. Returns, in order, each notice's inbox row, SMS row and decision.

    A notice with an SMS kind that is not a rider's, or wrong params for its kind, raises
    ValueError before anything is written.
    """
    notices = list(notices)
    for notice in notices:
        if notice.sms is not None:
            if notice.sms.kind not in RIDER_SMS_KINDS:
                raise ValueError(f"{notice.sms.kind} is not an SMS riders are notified by")
            sms_kind(notice.sms.kind).check_params(notice.sms.params)
    if not notices:
        return []
    now = now or timezone.now()
    # No savepoint: inside the caller's transaction this is part of its change, all or nothing.
    with transaction.atomic(savepoint=False):
        notifications = Notification.objects.bulk_create(
            (
                notification_build(
                    recipient=notice.rider.user,
                    message=notice.message,
                    params=notice.params,
                    body=notice.body,
                    link=notice.link,
                )
                for notice in notices
            ),
            batch_size=BATCH_SIZE,
        )
        decisions, logs = _plan_sms(notices, now)
        _queue_due(list(logs.values()), now)
    return [
        Notified(notification, logs.get(index), decisions[index])
        for index, notification in enumerate(notifications)
    ]


# --- Who may be sent notification SMS at all: the gates (issue 20) -------------------------------
# privacy sits above riders (a rider's consent is privacy's), so riders cannot ask it; it
# registers a gate in its AppConfig.ready() instead, the shape of riders/obligations.py. A gate
# takes the ids of the riders a batch would text and returns those who may get an SMS: one query
# per batch, however many riders. No gate registered: everyone may.

SMSGate = Callable[[set[int]], set[int]]
_sms_gates: dict[str, SMSGate] = {}


def register_sms_gate(name: str, gate: SMSGate) -> None:
    """Register (or replace: ready() may run twice in tests) the gate called `name`."""
    _sms_gates[name] = gate


def _sms_allowed(rider_ids: set[int]) -> set[int]:
    allowed = set(rider_ids)
    for gate in _sms_gates.values():
        if not allowed:
            break
        allowed &= gate(allowed)
    return allowed


# --- The SMS: preferences, quiet hours, the rider's day, the site's hour ------------------------


def _plan_sms(notices: list[Notice], now: dt.datetime) -> tuple[list[str], dict[int, SMSLog]]:
    decisions = [NO_SMS] * len(notices)
    offered = [i for i, notice in enumerate(notices) if notice.sms is not None]
    if not offered:
        return decisions, {}
    rider_ids = {notices[i].rider.pk for i in offered}
    allowed = _sms_allowed(rider_ids)
    opted_out = _opt_outs(
        rider_ids=allowed,
        kinds={notices[i].sms.kind for i in offered if notices[i].sms},
    )
    when: dict[int, dt.datetime] = {}
    for i in offered:
        notice, sms = notices[i], notices[i].sms
        assert sms is not None
        if not notice.rider.is_active or not notice.rider.phone:
            decisions[i] = INACTIVE
        elif notice.rider.pk not in allowed:
            decisions[i] = NO_CONSENT
        elif (notice.rider.pk, sms.kind) in opted_out:
            decisions[i] = OPTED_OUT
        else:
            planned = sms_send_time(
                now=now, expires_at=sms.expires_at, urgent=sms.kind in URGENT_KINDS
            )
            if sms.expires_at is not None and sms.expires_at <= planned:
                decisions[i] = EXPIRED
            else:
                when[i] = planned
    capped = _cap_take(notices, when)
    for i in capped:
        decisions[i] = CAPPED
        del when[i]
    cap_days = {i: _local_day_start(planned) for i, planned in when.items()}
    dropped, expired = _budget_take(notices, when, now)
    for i in dropped:
        decisions[i] = EXPIRED if i in expired else BUDGET_SPENT
        del when[i]
    _cap_give_back(notices, {i: cap_days[i] for i in dropped})
    logs: dict[int, SMSLog] = {}
    give_up = dt.timedelta(seconds=settings.SMS_GIVE_UP_SECONDS)
    gateway = _gateway() if when else ""  # once: a gateway's sender builds its SDK client
    # Each message carries its rider's city's sign name: the cities in one query.
    district_ids = {notices[i].rider.district_id for i in when}
    city_of_district = (
        dict(District.objects.filter(pk__in=district_ids).values_list("pk", "city_id"))
        if district_ids
        else {}
    )
    for i, planned in when.items():
        notice, sms = notices[i], notices[i].sms
        assert sms is not None
        expires_at = planned + give_up
        if sms.expires_at is not None:
            expires_at = min(expires_at, sms.expires_at)
        logs[i] = sms_build(
            phone=notice.rider.phone,
            kind=sms.kind,
            params=sms.params,
            language=notice.rider.user.language or "",
            expires_at=expires_at,
            next_attempt_at=planned,
            gateway=gateway,
            subject=sms.subject,
            city_id=city_of_district.get(notice.rider.district_id),
        )
        decisions[i] = QUEUED if planned <= now else DEFERRED
    SMSLog.objects.bulk_create(list(logs.values()), batch_size=BATCH_SIZE)
    return decisions, logs


def _gateway() -> str:
    """The gateway the rows are for: the sender class's own name for it, without building the
    sender (a gateway's sender makes its SDK client; the console one may refuse DEBUG=0)."""
    from django.utils.module_loading import import_string

    gateway: str = import_string(settings.SMS_SENDER).gateway
    return gateway


def _queue_due(logs: list[SMSLog], now: dt.datetime) -> None:
    from .tasks import send_sms_batch

    due = [log.pk for log in logs if log.next_attempt_at <= now]
    for chunk in _chunks(due, QUEUE_CHUNK):
        enqueue_on_commit(send_sms_batch, chunk)


def _opt_outs(*, rider_ids: set[int], kinds: set[str]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(sorted(rider_ids), BATCH_SIZE):
        found.update(
            SMSOptOut.objects.filter(rider_id__in=chunk, kind__in=kinds).values_list(
                "rider_id", "kind"
            )
        )
    return found


def _quiet_hours() -> tuple[dt.time, dt.time] | None:
    start = dt.time.fromisoformat(settings.NOTIFY_QUIET_START)
    end = dt.time.fromisoformat(settings.NOTIFY_QUIET_END)
    return None if start == end else (start, end)


def quiet_hours_label() -> str:
    """ "22:00–07:00" (the Me → SMS messages page), or "" when there are none."""
    hours = _quiet_hours()
    return f"{hours[0]:%H:%M}–{hours[1]:%H:%M}" if hours else ""


def sms_send_time(*, now: dt.datetime, expires_at: dt.datetime | None, urgent: bool) -> dt.datetime:
    """When an SMS planned at `now` may go: now, or the end of the quiet hours `now` is in —
    except a time-critical one whose matter expires before they end, which goes now."""
    hours = _quiet_hours()
    if hours is None:
        return now
    start, end = hours
    local = now.astimezone(ZoneInfo(settings.NOTIFY_QUIET_TIME_ZONE))
    time = local.time()
    quiet = (time >= start or time < end) if start > end else (start <= time < end)
    if not quiet:
        return now
    morning = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if morning <= local:
        morning += dt.timedelta(days=1)
    if urgent and expires_at is not None and expires_at <= morning:
        return now
    return morning.astimezone(dt.UTC)


def _local_day_start(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(ZoneInfo(settings.NOTIFY_QUIET_TIME_ZONE))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def _hour_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _rounds(indexes: Iterable[int], notices: list[Notice]) -> Iterator[list[int]]:
    """The notices by round: a rider's first notice in round 1, their second in round 2, …, so
    each round takes at most one from a rider's counter (a batch may notify a rider twice)."""
    seen: dict[int, int] = defaultdict(int)
    rounds: list[list[int]] = []
    for i in indexes:
        k = seen[notices[i].rider.pk]
        seen[notices[i].rider.pk] += 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(i)
    yield from rounds


def _cap_take(notices: list[Notice], when: dict[int, dt.datetime]) -> set[int]:
    """Take one from each rider's counter of the day; return the notices over the cap."""
    by_day: dict[dt.datetime, list[int]] = defaultdict(list)
    for i, planned in when.items():
        by_day[_local_day_start(planned)].append(i)
    capped: set[int] = set()
    for day, indexes in by_day.items():
        for round_ in _rounds(indexes, notices):
            keys = [str(notices[i].rider.pk) for i in round_]
            got = _counters_take(
                CounterScope.NOTIFY_RIDER_DAY, day, keys, settings.NOTIFY_SMS_PER_RIDER_PER_DAY
            )
            capped.update(i for i, key in zip(round_, keys, strict=True) if key not in got)
    return capped


def _cap_give_back(notices: list[Notice], dropped: dict[int, dt.datetime]) -> None:
    """The budget dropped these after the cap counted them (on the day first planned, the
    value): the rider was sent nothing, so their day gets its SMS back."""
    by_day: dict[dt.datetime, list[int]] = defaultdict(list)
    for i, day in dropped.items():
        by_day[day].append(i)
    for day, indexes in by_day.items():
        for round_ in _rounds(indexes, notices):
            _counters_give_back(
                CounterScope.NOTIFY_RIDER_DAY, day, [str(notices[i].rider.pk) for i in round_]
            )


def _counters_take(scope: str, window: dt.datetime, keys: list[str], limit: int) -> set[str]:
    """Add one to each key's counter of this window where it is below `limit`; return the
    keys that got one. Per 2,000 keys: one INSERT of the missing rows, one SELECT … FOR UPDATE
    of those below the limit, one UPDATE; the lock makes the check and the count one step
    (on SQLite the write transaction itself is exclusive)."""
    LimitCounter.objects.bulk_create(
        (LimitCounter(scope=scope, key=key, window_start=window) for key in keys),
        ignore_conflicts=True,
        batch_size=BATCH_SIZE,
    )
    got: set[str] = set()
    for chunk in _chunks(keys, BATCH_SIZE):
        below = dict(
            LimitCounter.objects.select_for_update()
            .filter(scope=scope, window_start=window, key__in=chunk, count__lt=limit)
            .values_list("pk", "key")
        )
        LimitCounter.objects.filter(pk__in=below).update(count=F("count") + 1)
        got.update(below.values())
    return got


def _counters_give_back(scope: str, window: dt.datetime, keys: list[str]) -> None:
    for chunk in _chunks(keys, BATCH_SIZE):
        LimitCounter.objects.filter(
            scope=scope, window_start=window, key__in=chunk, count__gt=0
        ).update(count=F("count") - 1)


def _budget_take(
    notices: list[Notice], when: dict[int, dt.datetime], now: dt.datetime
) -> tuple[set[int], set[int]]:
    """Fit the planned SMS into the site's hourly budget, earliest hour first and time-critical
    ones first within an hour; what does not fit moves on an hour. Updates `when`; returns the
    notices dropped (the spill went past SPILL_MAX_HOURS, or past their matter's expiry: those
    are the second set)."""
    budget = settings.NOTIFY_SMS_BUDGET_PER_HOUR
    bulk_limit = budget * settings.NOTIFY_BULK_SHARE_PERCENT // 100
    groups: dict[tuple[dt.datetime, bool], list[int]] = defaultdict(list)
    for i in sorted(when, key=lambda i: when[i]):
        urgent = _sms(notices, i).kind in URGENT_KINDS
        groups[(_hour_start(when[i]), urgent)].append(i)
    dropped: set[int] = set()
    expired: set[int] = set()
    horizon = now + dt.timedelta(hours=SPILL_MAX_HOURS)
    while groups:
        window, urgent = min(groups, key=lambda key: (key[0], not key[1]))
        indexes = groups.pop((window, urgent))
        taken = _window_take(window, len(indexes), budget if urgent else bulk_limit, now)
        rest = indexes[taken:]
        if not rest:
            continue
        if urgent:
            logger.info("Notification SMS hour %s full: %d moved on", window, len(rest))
        nxt = window + HOUR
        moved: dict[tuple[dt.datetime, bool], list[int]] = defaultdict(list)
        for i in rest:
            sms = _sms(notices, i)
            planned = sms_send_time(now=nxt, expires_at=sms.expires_at, urgent=urgent)
            if sms.expires_at is not None and sms.expires_at <= planned:
                dropped.add(i)
                expired.add(i)
            elif planned > horizon:
                dropped.add(i)
            else:
                when[i] = planned
                moved[(_hour_start(planned), urgent)].append(i)
        for key, indexes in moved.items():
            groups[key] = indexes + groups.get(key, [])  # waiting longer: ahead in the hour
    return dropped, expired


def _sms(notices: list[Notice], i: int) -> SMSNotice:
    sms = notices[i].sms
    assert sms is not None
    return sms


def _window_take(window: dt.datetime, wanted: int, limit: int, now: dt.datetime) -> int:
    """Take up to `wanted` from the site's counter of this hour, short of `limit`; return how
    many. The row is locked, so concurrent batches share the hour exactly."""
    LimitCounter.objects.bulk_create(
        [LimitCounter(scope=CounterScope.NOTIFY_SITE_HOUR, key="", window_start=window)],
        ignore_conflicts=True,
    )
    counter = LimitCounter.objects.select_for_update().get(
        scope=CounterScope.NOTIFY_SITE_HOUR, key="", window_start=window
    )
    taken = max(0, min(wanted, limit - counter.count))
    if taken:
        counter.count += taken
        LimitCounter.objects.filter(pk=counter.pk).update(count=counter.count)
    if taken < wanted and counter.count >= settings.NOTIFY_SMS_BUDGET_PER_HOUR:
        _budget_alert(window, now)
    return taken


def _budget_alert(window: dt.datetime, now: dt.datetime) -> None:
    """Once per hour: the whole budget is planned, so time-critical SMS are being delayed."""
    claimed = LimitCounter.objects.filter(
        scope=CounterScope.NOTIFY_SITE_HOUR, key="", window_start=window, alerted_at__isnull=True
    ).update(alerted_at=now)
    if not claimed:
        return
    budget = settings.NOTIFY_SMS_BUDGET_PER_HOUR
    until = timezone.localtime(window + HOUR)
    logger.critical(
        "Notification SMS budget spent: %d SMS planned for the hour from %s "
        "(NOTIFY_SMS_BUDGET_PER_HOUR); more wait for the next hours.",
        budget,
        timezone.localtime(window).isoformat(),
    )
    params = {"budget": budget, "until": until.strftime("%m-%d %H:%M")}
    link = reverse("admin:riders_smslog_changelist")
    for admin in User.objects.filter(is_active=True, groups__name=CENTRE_ADMIN).distinct():
        notification_post(
            recipient=admin, message=messages.NOTIFY_BUDGET_SPENT, params=params, link=link
        )


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# --- The rider's choices (Me → SMS messages) ---------------------------------------------------


def sms_kinds_on(*, rider: Rider) -> set[str]:
    """The kinds this rider gets by SMS (all but those turned off)."""
    off = set(SMSOptOut.objects.filter(rider=rider).values_list("kind", flat=True))
    return set(RIDER_SMS_KINDS) - off


def sms_preferences_set(*, rider: Rider, kinds_on: Iterable[str]) -> set[str]:
    """Keep SMS for `kinds_on`, turn the other rider kinds off; returns the kinds turned off.
    An unknown kind raises ValueError and changes nothing."""
    on = set(kinds_on)
    unknown = on - set(RIDER_SMS_KINDS)
    if unknown:
        raise ValueError(f"Unknown SMS kinds: {sorted(unknown)}")
    off = set(RIDER_SMS_KINDS) - on
    with transaction.atomic():
        SMSOptOut.objects.filter(rider=rider).exclude(kind__in=off).delete()
        SMSOptOut.objects.bulk_create(
            [SMSOptOut(rider=rider, kind=kind) for kind in sorted(off)], ignore_conflicts=True
        )
    return off


# --- Announcements ---------------------------------------------------------------------------


def policy_announce(
    *,
    policy: str,
    policy_en: str = "",
    link: str = "",
    sms: bool = True,
    riders: Iterable[Rider] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Tell every active rider (or `riders`, with .user loaded) of a new policy: an inbox
    message naming it in each reader's language, and — `sms` — an SMS with its Chinese name
    (the gateway's template is Chinese), under the rules above as an announcement. One
    transaction: every rider is told, or none. Returns how many riders."""
    if riders is None:
        riders = (
            Rider.objects.filter(is_active=True)
            .select_related("user")
            .only("id", "phone", "is_active", "user__id", "user__language")
            .order_by("id")
            .iterator(chunk_size=BATCH_SIZE)
        )
    params = {"policy": bilingual(zh=policy, en=policy_en)}
    sms_notice = SMSNotice("policy_notice", {"policy": policy[:20]}) if sms else None
    count = 0
    with transaction.atomic():
        chunk: list[Notice] = []
        for rider in riders:
            chunk.append(Notice(rider, messages.POLICY_ANNOUNCED, params, link, "", sms_notice))
            if len(chunk) == 5 * BATCH_SIZE:
                count += len(riders_notify(notices=chunk, now=now))
                chunk = []
        count += len(riders_notify(notices=chunk, now=now))
    return count
