import datetime as dt
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.errors import DomainError
from core.models import District, User

from .models import PHONE_PATTERN, Rider, SignInCode, Tier, TierPeriod
from .sms import SMSMessage, get_sms_sender


class SignInThrottled(DomainError):
    code = "sign_in_throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SignInFailed(DomainError):
    code = "sign_in_failed"


def normalise_phone(raw: str) -> str:
    """'+86 138-1234-5678' → '13812345678'. Returns '' for anything that is not a mobile."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    return digits if re.fullmatch(PHONE_PATTERN, digits) else ""


def _code_digest(phone: str, code: str) -> str:
    return salted_hmac("riders.sign_in_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def sign_in_code_request(*, phone: str, language: str | None = None) -> None:
    """Issue a one-time code for `phone` and text it if the phone belongs to an active rider.

    Unknown and inactive numbers go through the same steps (a code row, the same throttle), so
    the response never tells whether a number is registered.
    """
    now = timezone.now()
    with transaction.atomic():
        recent = list(
            SignInCode.objects.select_for_update()
            .filter(phone=phone, created_at__gte=now - dt.timedelta(days=1))
            .order_by("-created_at")
            .values_list("created_at", flat=True)
        )
        if recent:
            wait = settings.SIGN_IN_CODE_RESEND_SECONDS - (now - recent[0]).total_seconds()
            if wait > 0:
                raise SignInThrottled(
                    _("A code was just sent. You can ask for a new one in %(seconds)d seconds.")
                    % {"seconds": int(wait) + 1},
                    retry_after=int(wait) + 1,
                )
        if len(recent) >= settings.SIGN_IN_CODES_PER_PHONE_PER_DAY:
            retry = int((recent[-1] + dt.timedelta(days=1) - now).total_seconds()) + 1
            raise SignInThrottled(
                _("Too many codes were requested for this number today. Please try tomorrow."),
                retry_after=retry,
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        SignInCode.objects.create(
            phone=phone,
            code_hash=_code_digest(phone, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.SIGN_IN_CODE_TTL_SECONDS),
        )
        rider = Rider.objects.filter(phone=phone, is_active=True).select_related("user").first()
    if rider is None:
        return
    with override(rider.user.language or language or settings.LANGUAGE_CODE):
        text = _(
            "Riders Portal sign-in code: %(code)s. It expires in %(minutes)d minutes. "
            "Never share it with anyone."
        ) % {"code": code, "minutes": settings.SIGN_IN_CODE_TTL_SECONDS // 60}
    get_sms_sender().send(SMSMessage(phone=phone, text=text))


def sign_in_code_verify(*, phone: str, code: str) -> Rider:
    """Check the latest code sent to `phone`; return the rider to sign in, or raise SignInFailed.

    Only the most recent code counts. Each wrong try is counted with a conditional UPDATE, so
    concurrent guesses cannot exceed the limit.
    """
    wrong = _("The code is wrong or has expired. Check the SMS or ask for a new code.")
    now = timezone.now()
    latest = SignInCode.objects.filter(phone=phone).order_by("-created_at").first()
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        raise SignInFailed(wrong, code="code_invalid")
    max_attempts = settings.SIGN_IN_CODE_MAX_ATTEMPTS
    if latest.failed_attempts >= max_attempts:
        raise SignInFailed(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")
    if not (code.isdigit() and constant_time_compare(latest.code_hash, _code_digest(phone, code))):
        counted = SignInCode.objects.filter(pk=latest.pk, failed_attempts__lt=max_attempts).update(
            failed_attempts=F("failed_attempts") + 1
        )
        if not counted or latest.failed_attempts + 1 >= max_attempts:
            raise SignInFailed(
                _("Too many wrong codes. Ask for a new code."), code="too_many_attempts"
            )
        raise SignInFailed(wrong, code="code_invalid")
    claimed = SignInCode.objects.filter(
        pk=latest.pk, used_at__isnull=True, failed_attempts__lt=max_attempts
    ).update(used_at=now)
    rider = Rider.objects.filter(phone=phone, is_active=True).select_related("user").first()
    if claimed != 1 or rider is None:
        raise SignInFailed(wrong, code="code_invalid")
    return rider


def sign_in_codes_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete codes past use. Kept for a day because the daily request limit counts them."""
    deleted, _details = SignInCode.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
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
