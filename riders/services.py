import datetime as dt
import logging
import math
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from core.errors import DomainError
from core.models import District, User
from core.network import parse_address
from core.roles import CENTRE_ADMIN
from core.services import notification_post
from core.tenancy import may_see

from . import messages
from .models import (
    PHONE_PATTERN,
    CityMove,
    CounterScope,
    LimitCounter,
    Rider,
    SignInChannel,
    SignInCode,
    SignInRecord,
    Tier,
    TierPeriod,
    mask_phone,
)
from .network import client_network
from .phones import phone_digest
from .sms import get_sms_sender
from .sms_outbox import sms_create, sms_send_now
from .sms_templates import SIGN_IN_CODE

if TYPE_CHECKING:
    from django_stubs_ext.aliases import StrPromise  # the type of gettext_lazy; dev-only

logger = logging.getLogger("riders.sign_in")


class SignInThrottled(DomainError):
    """A sign-in limit said no; `code` says which one, `retry_after` when to try again (s)."""

    code = "sign_in_throttled"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class SignInFailed(DomainError):
    code = "sign_in_failed"


HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

RESEND_TOO_SOON = "resend_too_soon"
TOO_MANY_CODES_FOR_PHONE = "too_many_codes_for_phone"
SMS_BUDGET_SPENT = "sms_budget_spent"


@dataclass(frozen=True)
class Limit:
    """One counted limit: what it counts, per what, over which window, and how it says no."""

    scope: str
    per: str  # "client", "network" or "site"
    window: dt.timedelta
    setting: str  # the setting that holds the maximum
    code: str
    message: "StrPromise"  # lazy, with %(minutes)d

    @property
    def maximum(self) -> int:
        maximum: int = getattr(settings, self.setting)
        return maximum


_CODES_FROM_CLIENT = ngettext_lazy(
    "Too many codes were requested from this device or connection. "
    "Please try again in %(minutes)d minute.",
    "Too many codes were requested from this device or connection. "
    "Please try again in %(minutes)d minutes.",
    "minutes",
)
_CODES_FROM_NETWORK = ngettext_lazy(
    "Too many codes were requested from your network. Please try again in %(minutes)d minute, "
    "or switch between Wi-Fi and mobile data.",
    "Too many codes were requested from your network. Please try again in %(minutes)d minutes, "
    "or switch between Wi-Fi and mobile data.",
    "minutes",
)
_TRIES_FROM_CLIENT = ngettext_lazy(
    "Too many codes were tried from this device or connection. "
    "Please try again in %(minutes)d minute.",
    "Too many codes were tried from this device or connection. "
    "Please try again in %(minutes)d minutes.",
    "minutes",
)
_TRIES_FROM_NETWORK = ngettext_lazy(
    "Too many codes were tried from your network. Please try again in %(minutes)d minute, "
    "or switch between Wi-Fi and mobile data.",
    "Too many codes were tried from your network. Please try again in %(minutes)d minutes, "
    "or switch between Wi-Fi and mobile data.",
    "minutes",
)
_BUDGET_SPENT = ngettext_lazy(
    "Sign-in codes are paused because unusually many were requested. "
    "Please try again in %(minutes)d minute.",
    "Sign-in codes are paused because unusually many were requested. "
    "Please try again in %(minutes)d minutes.",
    "minutes",
)

# Checked in this order; a refusal rolls back what the earlier ones counted.
CODE_LIMITS = (
    Limit(
        CounterScope.CODES_IP_HOUR,
        "client",
        HOUR,
        "SIGN_IN_CODES_PER_IP_PER_HOUR",
        "too_many_codes_from_client",
        _CODES_FROM_CLIENT,
    ),
    Limit(
        CounterScope.CODES_IP_DAY,
        "client",
        DAY,
        "SIGN_IN_CODES_PER_IP_PER_DAY",
        "too_many_codes_from_client",
        _CODES_FROM_CLIENT,
    ),
    Limit(
        CounterScope.CODES_NETWORK_HOUR,
        "network",
        HOUR,
        "SIGN_IN_CODES_PER_NETWORK_PER_HOUR",
        "too_many_codes_from_network",
        _CODES_FROM_NETWORK,
    ),
    Limit(
        CounterScope.CODES_NETWORK_DAY,
        "network",
        DAY,
        "SIGN_IN_CODES_PER_NETWORK_PER_DAY",
        "too_many_codes_from_network",
        _CODES_FROM_NETWORK,
    ),
)
GUESS_LIMITS = (
    Limit(
        CounterScope.GUESSES_IP_HOUR,
        "client",
        HOUR,
        "SIGN_IN_GUESSES_PER_IP_PER_HOUR",
        "too_many_tries_from_client",
        _TRIES_FROM_CLIENT,
    ),
    Limit(
        CounterScope.GUESSES_NETWORK_HOUR,
        "network",
        HOUR,
        "SIGN_IN_GUESSES_PER_NETWORK_PER_HOUR",
        "too_many_tries_from_network",
        _TRIES_FROM_NETWORK,
    ),
)
SMS_BUDGET = Limit(
    CounterScope.SMS_HOUR, "site", HOUR, "SMS_BUDGET_PER_HOUR", SMS_BUDGET_SPENT, _BUDGET_SPENT
)


def _window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def _limit_key(limit: Limit, *, client_ip: str) -> str:
    return {"client": client_ip, "network": client_network(client_ip), "site": ""}[limit.per]


def _limit_refusal(limit: Limit, *, now: dt.datetime) -> SignInThrottled:
    retry = int((_window_start(now, limit.window) + limit.window - now).total_seconds()) + 1
    return SignInThrottled(
        limit.message % {"minutes": math.ceil(retry / 60)}, retry_after=retry, code=limit.code
    )


def _limit_take(limit: Limit, *, client_ip: str, now: dt.datetime, enforce: bool = True) -> None:
    """Count one event against `limit`, or raise SignInThrottled if it is used up.

    The conditional UPDATE (`count < maximum`) is the whole check, so concurrent requests can
    never count past the limit; the row of a new window is inserted first if missing.
    """
    rows = LimitCounter.objects.filter(
        scope=limit.scope,
        key=_limit_key(limit, client_ip=client_ip),
        window_start=_window_start(now, limit.window),
    )
    if enforce:
        rows = rows.filter(count__lt=limit.maximum)
    if rows.update(count=F("count") + 1) == 1:
        return
    LimitCounter.objects.bulk_create(
        [
            LimitCounter(
                scope=limit.scope,
                key=_limit_key(limit, client_ip=client_ip),
                window_start=_window_start(now, limit.window),
            )
        ],
        ignore_conflicts=True,
    )
    if rows.update(count=F("count") + 1) != 1:
        raise _limit_refusal(limit, now=now)


def _limit_reached(limit: Limit, *, client_ip: str, now: dt.datetime) -> bool:
    return LimitCounter.objects.filter(
        scope=limit.scope,
        key=_limit_key(limit, client_ip=client_ip),
        window_start=_window_start(now, limit.window),
        count__gte=limit.maximum,
    ).exists()


def _resend_refusal(wait: float) -> SignInThrottled:
    seconds = max(1, int(wait) + 1)
    return SignInThrottled(
        _("A code was just sent. You can ask for a new one in %(seconds)d seconds.")
        % {"seconds": seconds},
        retry_after=seconds,
        code=RESEND_TOO_SOON,
    )


def normalise_phone(raw: str) -> str:
    """'+86 138-1234-5678' → '13812345678'. Returns '' for anything that is not a mobile."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    return digits if re.fullmatch(PHONE_PATTERN, digits) else ""


def _code_digest(phone: str, code: str) -> str:
    return salted_hmac("riders.sign_in_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def sign_in_device_token(*, phone: str) -> str:
    """What a browser that signed in as `phone` keeps in its (signed) device cookie.

    An HMAC of the number, not the number: the cookie vouches for one phone and tells nothing.
    """
    return salted_hmac("riders.sign_in_device", phone, algorithm="sha256").hexdigest()[:32]


def sign_in_code_request(
    *,
    phone: str,
    client_ip: str,
    trusted_device: bool = False,
    language: str | None = None,
) -> None:
    """Issue a one-time code for `phone` and text it if the phone belongs to an active rider.

    Unknown and inactive numbers go through the same steps (a code row, the same limits), so
    the response never tells whether a number is registered. Refusals (SignInThrottled, each
    with its own code and message), in this order:

    - resend_too_soon: the phone's current code is unused and younger than
      SIGN_IN_CODE_RESEND_SECONDS (a wait of at most a minute). A rider who just signed in
      used their code, so they can ask again at once.
    - too_many_codes_for_phone: SIGN_IN_CODES_PER_PHONE_PER_DAY codes of the last 24 h were
      used to sign in or are still live. Codes a stranger asked for expire unused and stop
      counting, so strangers cannot reach the cap against a rider.
    - too_many_codes_from_client / _network: per client address and its /24 (/64) network.
    - sms_budget_spent: the site's SMS_BUDGET_PER_HOUR is used up (centre admins are alerted
      once per hour). Only real SMS spend it, but it refuses every number alike.

    `trusted_device` (the browser signed in as this phone before, see views.py) skips all but
    the first: nothing strangers do can lock a rider out of a browser they signed in on.
    """
    # A sender that refuses to run (console sender in production) does so before any code.
    sender = get_sms_sender()
    now = timezone.now()
    rider = (
        Rider.objects.with_phone(phone)
        .filter(is_active=True)
        .select_related("user", "district")
        .first()
    )
    try:
        with transaction.atomic():
            code, row = _code_issue(
                phone=phone,
                client_ip=client_ip,
                sends_sms=rider is not None,
                trusted_device=trusted_device,
                now=now,
            )
            if rider is None:
                return
            # The SMS row commits with its code (never one without the other); it holds
            # neither the code nor the text in clear (riders/sms_outbox.py).
            log = sms_create(
                phone=phone,
                kind=SIGN_IN_CODE.name,
                params={"code": code, "minutes": settings.SIGN_IN_CODE_TTL_SECONDS // 60},
                language=rider.user.language or language or settings.LANGUAGE_CODE,
                expires_at=row.expires_at,
                sign_in_code=row,
                gateway=sender.gateway,
                city_id=rider.district.city_id,
            )
    except SignInThrottled as refused:
        if refused.code == SMS_BUDGET_SPENT:
            _sms_budget_alert(now=now)
        raise
    # Sent from this request, after commit: the rider is waiting for this one SMS, and a
    # worker's queue may be long (docs/decisions.md, "Sign-in codes inline"); a transient
    # failure is retried by the worker, a lost one by the sweep.
    sms_send_now(log_id=log.pk, sender=sender)


def _code_issue(
    *, phone: str, client_ip: str, sends_sms: bool, trusted_device: bool, now: dt.datetime
) -> tuple[str, SignInCode]:
    """Check the limits and store a new current code for `phone`; in the caller's transaction."""
    max_attempts = settings.SIGN_IN_CODE_MAX_ATTEMPTS
    # Locks the phone's current code if there is one; when there is none, the partial unique
    # index below is what keeps simultaneous requests to one code.
    current = (
        SignInCode.objects.select_for_update()
        .filter(phone_hash=phone_digest(phone), is_current=True)
        .first()
    )
    # Even a code burnt by wrong tries holds the next one back this long: each phone gets at
    # most one SMS a minute, whoever asks (a trusted browser included).
    if current is not None and current.used_at is None:
        wait = settings.SIGN_IN_CODE_RESEND_SECONDS - (now - current.created_at).total_seconds()
        if wait > 0:
            raise _resend_refusal(wait)
    if not trusted_device:
        counted = list(
            SignInCode.objects.filter(phone_hash=phone_digest(phone), created_at__gt=now - DAY)
            .filter(
                Q(used_at__isnull=False)
                | Q(is_current=True, expires_at__gt=now, failed_attempts__lt=max_attempts)
            )
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(counted) >= settings.SIGN_IN_CODES_PER_PHONE_PER_DAY:
            raise SignInThrottled(
                _("Too many codes were requested for this number today. Please try tomorrow."),
                retry_after=int(((counted[0] if counted else now) + DAY - now).total_seconds()) + 1,
                code=TOO_MANY_CODES_FOR_PHONE,
            )
        for limit in CODE_LIMITS:
            _limit_take(limit, client_ip=client_ip, now=now)
    if sends_sms:
        # A trusted browser is never refused, but its SMS still count (the alert stays true).
        _limit_take(SMS_BUDGET, client_ip=client_ip, now=now, enforce=not trusted_device)
    elif not trusted_device and _limit_reached(SMS_BUDGET, client_ip=client_ip, now=now):
        raise _limit_refusal(SMS_BUDGET, now=now)  # the same answer as for a rider's number
    if current is not None:
        SignInCode.objects.filter(pk=current.pk).update(is_current=False)
    code = f"{secrets.randbelow(1_000_000):06d}"
    try:
        with transaction.atomic():
            row = SignInCode.objects.create(
                phone_hash=phone_digest(phone),
                phone_masked=mask_phone(phone),
                code_hash=_code_digest(phone, code),
                created_at=now,
                expires_at=now + dt.timedelta(seconds=settings.SIGN_IN_CODE_TTL_SECONDS),
                is_current=True,
            )
    except IntegrityError:
        # sign_in_code_one_current_per_phone: a simultaneous request for this phone stored its
        # code first and sends the SMS; this one is a resend too soon (its counts roll back).
        raise _resend_refusal(settings.SIGN_IN_CODE_RESEND_SECONDS) from None
    return code, row


def _sms_budget_alert(*, now: dt.datetime) -> None:
    """Tell the operators, once per budget window, that sign-in SMS are being refused."""
    start = _window_start(now, SMS_BUDGET.window)
    LimitCounter.objects.bulk_create(
        [LimitCounter(scope=SMS_BUDGET.scope, key="", window_start=start)],
        ignore_conflicts=True,
    )
    claimed = LimitCounter.objects.filter(
        scope=SMS_BUDGET.scope, key="", window_start=start, alerted_at__isnull=True
    ).update(alerted_at=now)
    if not claimed:
        return  # another request of this window already alerted
    budget = settings.SMS_BUDGET_PER_HOUR
    until = timezone.localtime(start + SMS_BUDGET.window)
    logger.critical(
        "Sign-in SMS budget spent: %d SMS since %s (SMS_BUDGET_PER_HOUR); code requests are "
        "refused until %s, except from browsers that signed in before.",
        budget,
        timezone.localtime(start).isoformat(),
        until.isoformat(),
    )
    params = {"budget": budget, "until": until.strftime("%H:%M")}
    link = reverse("admin:riders_signincode_changelist")
    admins = User.objects.filter(is_active=True, groups__name=CENTRE_ADMIN).distinct()
    for admin in admins:
        notification_post(
            recipient=admin, message=messages.SMS_BUDGET_SPENT, params=params, link=link
        )
    mail_admins(
        "Sign-in SMS budget spent",
        f"{budget} sign-in SMS since {timezone.localtime(start):%H:%M}; code requests are "
        f"refused until {until:%H:%M}.",
        fail_silently=True,
    )


def sign_in_code_verify(
    *, phone: str, code: str, client_ip: str, trusted_device: bool = False
) -> Rider:
    """Check the phone's current code; return the rider to sign in, or raise SignInFailed.

    Only the current (latest) code counts. Each try counts against the client's and its
    network's hourly limits (SignInThrottled) unless the browser signed in as this phone before;
    each wrong try is counted on the code with a conditional UPDATE, so concurrent guesses
    cannot exceed SIGN_IN_CODE_MAX_ATTEMPTS.
    """
    wrong = _("The code is wrong or has expired. Check the SMS or ask for a new code.")
    now = timezone.now()
    current = SignInCode.objects.filter(phone_hash=phone_digest(phone), is_current=True).first()
    if current is None or current.used_at is not None or current.expires_at <= now:
        raise SignInFailed(wrong, code="code_invalid")
    max_attempts = settings.SIGN_IN_CODE_MAX_ATTEMPTS
    if current.failed_attempts >= max_attempts:
        raise SignInFailed(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")
    if not trusted_device:
        with transaction.atomic():
            for limit in GUESS_LIMITS:
                _limit_take(limit, client_ip=client_ip, now=now)
    if not (code.isdigit() and constant_time_compare(current.code_hash, _code_digest(phone, code))):
        counted = SignInCode.objects.filter(pk=current.pk, failed_attempts__lt=max_attempts).update(
            failed_attempts=F("failed_attempts") + 1
        )
        if not counted or current.failed_attempts + 1 >= max_attempts:
            raise SignInFailed(
                _("Too many wrong codes. Ask for a new code."), code="too_many_attempts"
            )
        raise SignInFailed(wrong, code="code_invalid")
    claimed = SignInCode.objects.filter(
        pk=current.pk, is_current=True, used_at__isnull=True, failed_attempts__lt=max_attempts
    ).update(used_at=now)
    rider = (
        Rider.objects.with_phone(phone)
        .filter(is_active=True)
        .select_related("user", "district")
        .first()
    )
    if claimed != 1 or rider is None:
        raise SignInFailed(wrong, code="code_invalid")
    return rider


def sign_in_codes_purge(*, older_than: dt.timedelta = DAY) -> int:
    """Delete codes past use, and the limit counters of windows long over (the sign-in
    limits' and the notifications': no window is longer than a day).

    Codes are kept for a day because the per-phone daily cap counts them.
    """
    now = timezone.now()
    deleted, _details = SignInCode.objects.filter(created_at__lt=now - older_than).delete()
    LimitCounter.objects.filter(window_start__lt=now - 2 * DAY).delete()
    return deleted


def rider_create(
    *,
    rider_number: str,
    name: str,
    phone: str,
    district: District,
    joined_on: dt.date,
    station: str = "",
    tier: str = Tier.REGULAR,
    is_active: bool = True,
) -> Rider:
    with transaction.atomic():
        user = User(username=f"rider-{rider_number}")
        user.set_unusable_password()
        user.save()
        rider = Rider.objects.create(
            user=user,
            rider_number=rider_number,
            name=name,
            phone=phone,
            district=district,
            station=station,
            joined_on=joined_on,
            tier=tier,
            is_active=is_active,
        )
        TierPeriod.objects.create(rider=rider, tier=tier, started_on=joined_on)
    return rider


def rider_set_tier(*, rider: Rider, tier: str, on: dt.date | None = None) -> Rider:
    """Give the rider a new tier from `on` (default today), closing the current tier period."""
    if tier not in Tier.values:
        raise DomainError(_("Unknown tier: %(tier)s") % {"tier": tier}, code="invalid_tier")
    with transaction.atomic():
        rider = Rider.objects.select_for_update().get(pk=rider.pk)
        tier_changes_apply(changes=[(rider, tier)], on=on)
    return rider


def tier_changes_apply(*, changes: list[tuple[Rider, str]], on: dt.date | None = None) -> None:
    """The one rule for tier changes, for one rider (admin) or thousands (roster import).

    The current period ends the day before `on` and a new one starts on `on`; a second change
    on the day a period started replaces that period's tier (the earlier change never took
    effect). Callers hold the riders' rows in a transaction.
    """
    on = on or timezone.localdate()
    wanted = {rider.pk: (rider, tier) for rider, tier in changes}
    if not wanted:
        return
    current = {
        period.rider_id: period
        for period in TierPeriod.objects.filter(rider_id__in=wanted, ended_on__isnull=True)
    }
    closed, retagged, opened, riders = [], [], [], []
    for rider_id, (rider, tier) in wanted.items():
        period = current.get(rider_id)
        if period is not None and period.tier == tier:
            continue
        if period is not None and period.started_on >= on:
            period.tier = tier
            retagged.append(period)
        else:
            if period is not None:
                period.ended_on = on - dt.timedelta(days=1)
                closed.append(period)
            opened.append(TierPeriod(rider_id=rider_id, tier=tier, started_on=on))
        rider.tier = tier
        rider.updated_at = timezone.now()
        riders.append(rider)
    # Close before opening: at most one open period per rider (tier_period_one_current_per_rider).
    TierPeriod.objects.bulk_update(closed, ["ended_on"], batch_size=1000)
    TierPeriod.objects.bulk_update(retagged, ["tier"], batch_size=1000)
    TierPeriod.objects.bulk_create(opened, batch_size=1000)
    Rider.objects.bulk_update(riders, ["tier", "updated_at"], batch_size=1000)


def rider_set_active(*, rider: Rider, is_active: bool) -> Rider:
    if rider.is_active != is_active:
        rider.is_active = is_active
        rider.save(update_fields=["is_active", "updated_at"])
    return rider


def sms_budget_take(*, client_ip: str) -> None:
    """Spend one SMS of the site's SMS_BUDGET_PER_HOUR for a text another app sends (a
    workbench officer's sign-in code, governance/services.py): the budget bounds what the
    site's SMS cost, whoever asks. Refused with SignInThrottled (sms_budget_spent); the caller
    then calls sms_budget_alert once its own transaction is over."""
    _limit_take(SMS_BUDGET, client_ip=client_ip, now=timezone.now())


def sms_budget_alert() -> None:
    """Tell the centre admins, once per budget window, that SMS are being refused."""
    _sms_budget_alert(now=timezone.now())


class CityMoveRefused(DomainError):
    code = "city_move_refused"


def rider_move_city(*, rider: Rider, district: District, by: User, reason: str) -> CityMove:
    """Move a rider to a district of another city (issue 19).

    What the rider did stays with the city it was done in: reports keep their district,
    orders their canteen, claims their `city`, applications theirs; points and the tier
    history are the rider's and move with them. Refused while something ties the rider to the
    old city (a bed, a claim in review, …: riders/obligations.py, filled by the apps above),
    for a district of the same city (that is an ordinary change of district), an inactive
    city, or staff who may not see the rider.
    """
    from .obligations import obligations_of

    reason = reason.strip()
    if not reason:
        raise CityMoveRefused(_("Say why the rider moves."), code="no_reason")
    if not may_see(by, rider):
        raise CityMoveRefused(_("This rider is another city's."), code="not_yours")
    with transaction.atomic():
        locked = (
            Rider.objects.select_for_update(of=("self",))
            .select_related("district__city")
            .get(pk=rider.pk)
        )
        old = locked.district
        if district.city_id == old.city_id:
            raise CityMoveRefused(
                _("%(district)s is in the rider's own city; change the district instead.")
                % {"district": district},
                code="same_city",
            )
        if not district.city.is_active:
            raise CityMoveRefused(
                _("%(city)s does not take riders yet.") % {"city": district.city},
                code="city_inactive",
            )
        ties = obligations_of(locked)
        if ties:
            raise CityMoveRefused(
                _("The rider cannot move to another city yet: %(ties)s") % {"ties": " ".join(ties)},
                code="tied",
            )
        locked.district = district
        locked.save(update_fields=["district", "updated_at"])
        move = CityMove.objects.create(
            rider=locked, from_district=old, to_district=district, moved_by=by, reason=reason
        )
    rider.district = district
    return move


def phone_keys_rotate(*, batch_size: int = 2000) -> int:
    """Rewrite every rider's number under the newest encryption key and look-up key
    (riders/phones.py; `manage.py phone_keys_rotate`). Idempotent; returns the rows rewritten."""
    count = 0
    numbers = Rider.objects.filter(phone__isnull=False).order_by("pk").values_list("pk", "phone")
    for pk, phone in numbers.iterator(chunk_size=batch_size):
        if phone:
            Rider.objects.filter(pk=pk).update(phone=phone, phone_hash=phone_digest(phone))
            count += 1
    return count


# --- A rider's sign-in history and roster corrections (issue 20, docs/mydata.md) -------------

USER_AGENT_KEPT = 200  # SignInRecord.user_agent's length: a device's kind, not a fingerprint


def sign_in_record(*, rider: Rider, channel: str, ip_address: str | None, user_agent: str) -> None:
    """Note a successful sign-in (the phone code or the platform) in the rider's history."""
    if channel not in SignInChannel.values:
        raise ValueError(f"unknown sign-in channel {channel!r}")
    address = parse_address(ip_address or "")  # "unknown" behind a misconfigured proxy
    SignInRecord.objects.create(
        rider=rider,
        channel=channel,
        ip=str(address) if address is not None else None,
        user_agent=(user_agent or "")[:USER_AGENT_KEPT],
    )


class CorrectionRefused(DomainError):
    code = "correction_refused"


# What a rider may ask the centre to correct: the roster's fields (riders/roster.py). The tier
# has its own service and history, the phone is how they sign in: neither is corrected here.
CORRECTABLE_FIELDS = ("name", "station", "district", "gender", "joined_on")


def rider_profile_correct(*, rider: Rider, field: str, value: str) -> Rider:
    """Set one roster field of a rider to a corrected value (a correction request the centre
    applies, mydata). A save of the row, so the audit trail records the change and its actor.

    `value` is as typed: a district by its id, a join date as YYYY-MM-DD. A district of another
    city is a move (rider_move_city), not a correction.
    """
    if field not in CORRECTABLE_FIELDS:
        raise CorrectionRefused(_("This field cannot be corrected here."), code="field")
    value = (value or "").strip()
    locked: Rider = (
        Rider.objects.select_for_update(of=("self",)).select_related("district").get(pk=rider.pk)
    )
    new: object
    if field == "district":
        # By id (the admin's choice), else by its name as the rider typed it, in their city.
        district = (
            District.objects.filter(pk=int(value)).first()
            if value.isdigit()
            else District.objects.filter(Q(name=value) | Q(name_en__iexact=value))
            .filter(city_id=locked.district.city_id)
            .first()
        )
        if district is None:
            raise CorrectionRefused(
                _("No district of the rider's city is called that."), code="district"
            )
        if district.city_id != locked.district.city_id:
            raise CorrectionRefused(
                _("That district is in another city: move the rider instead."), code="other_city"
            )
        new = district
    elif field == "joined_on":
        try:
            new = dt.date.fromisoformat(value)
        except ValueError:
            raise CorrectionRefused(_("Enter the join date as YYYY-MM-DD."), code="date") from None
    elif field == "gender":
        if value not in {"", "male", "female"}:
            raise CorrectionRefused(_("Choose male, female or not given."), code="gender")
        new = value
    else:
        limit = {"name": 50, "station": 100}[field]  # Rider.name's and Rider.station's
        if field == "name" and not value:
            raise CorrectionRefused(_("A name cannot be empty."), code="empty")
        if len(value) > limit:
            raise CorrectionRefused(
                _("At most %(limit)d characters.") % {"limit": limit}, code="too_long"
            )
        new = value
    setattr(locked, field, new)
    locked.save(update_fields=[field, "updated_at"])
    return locked
