"""Writes for rewards: awards, the points ledger, redemptions, honours (cash is paid out by
payouts, through rewards.payouts.RewardCash).

Every change to a rider's points goes through `_ledger_post`, which locks the rider's points
account, checks the new balance and writes the ledger line and the balance in one transaction.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from core.errors import DomainError
from core.messages import Message
from core.models import User
from core.services import notification_post
from core.tenancy import sees_all_cities
from governance import routing
from governance.models import Report, ReportStatus
from riders.models import Rider

from . import messages
from .models import Award, Benefit, Honour, LedgerEntry, PointsAccount, Redemption
from .selectors import month_bounds, top_reporters

logger = logging.getLogger(__name__)


class NotEnoughPoints(DomainError):
    code = "not_enough_points"


# --- Points ledger ---------------------------------------------------------------------------


def points_expiry_for(moment: dt.datetime) -> dt.datetime | None:
    """When points credited at `moment` expire: the end of the calendar year N years later
    (settings.POINTS_EXPIRE_AFTER_YEARS, default 1: the end of the next year), in Qingdao time.
    None when expiry is switched off."""
    years = settings.POINTS_EXPIRE_AFTER_YEARS
    if years is None:
        return None
    local = timezone.localtime(moment)
    return dt.datetime(local.year + years + 1, 1, 1, tzinfo=local.tzinfo)


def _account_locked(rider: Rider) -> PointsAccount:
    """The rider's points account, created on first use, locked for this transaction."""
    account = PointsAccount.objects.select_for_update().filter(rider=rider).first()
    if account is None:
        PointsAccount.objects.bulk_create([PointsAccount(rider=rider)], ignore_conflicts=True)
        account = PointsAccount.objects.select_for_update().get(rider=rider)
    return account


def _ledger_post(
    *,
    account: PointsAccount,
    kind: str,
    points: int,
    now: dt.datetime | None = None,
    **fields: Any,
) -> LedgerEntry:
    """Append one ledger line and move the cached balance with it (caller holds the lock)."""
    now = now or timezone.now()
    balance = account.balance + points
    if balance < 0:
        raise NotEnoughPoints(
            _("Not enough points: you have %(balance)d, this needs %(points)d.")
            % {"balance": account.balance, "points": -points}
        )
    if points > 0 and "expires_at" not in fields:
        fields["expires_at"] = points_expiry_for(now)
    account.balance = balance
    account.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        rider_id=account.rider_id, kind=kind, points=points, balance_after=balance, **fields
    )


def points_adjust(*, rider: Rider, points: int, reason: str, by: User) -> LedgerEntry:
    """An admin's correction, with a reason; cannot take a balance below zero."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for the adjustment."), code="reason_required")
    if points == 0:
        raise DomainError(_("An adjustment of 0 points changes nothing."), code="zero_points")
    with transaction.atomic():
        account = _account_locked(rider)
        return _ledger_post(
            account=account,
            kind=LedgerEntry.Kind.ADJUSTED,
            points=points,
            reason=reason,
            created_by=by,
        )


# --- Awards ----------------------------------------------------------------------------------


def report_awards_grant(*, report_id: int) -> list[Award]:
    """Write the cash and points awards a validated report earns, each exactly once.

    Safe to run any number of times, concurrently: the report row lock serialises runs, and the
    unique (report, kind) constraint is the last word if anything else slips through.
    Duplicates, invalid reports, reports of inactive riders and zero rewards earn nothing.
    """
    try:
        with transaction.atomic():
            return _grant_locked(report_id)
    except IntegrityError:
        # Another run wrote the same award between our check and our insert.
        logger.info("Awards for report %s were already written", report_id)
        return []


def _grant_locked(report_id: int) -> list[Award]:
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("rider__user", "category")
        .filter(pk=report_id)
        .first()
    )
    if report is None or report.validated_at is None:
        return []
    if (
        report.status in (ReportStatus.INVALID, ReportStatus.DUPLICATE)
        or not report.rider.is_active
    ):
        return []
    # The city's own rewards for the category where it set them (CityCategory, issue 19).
    cash_reward, points_reward = routing.rewards_for(report.category, report.district_id)
    done = set(Award.objects.filter(report=report).values_list("kind", flat=True))
    new: list[Award] = []
    if cash_reward > 0 and Award.Kind.CASH not in done:
        new.append(
            Award.objects.create(
                report=report,
                rider=report.rider,
                kind=Award.Kind.CASH,
                cash_amount=cash_reward,
            )
        )
    if points_reward > 0 and Award.Kind.POINTS not in done:
        award = Award.objects.create(
            report=report, rider=report.rider, kind=Award.Kind.POINTS, points=points_reward
        )
        _ledger_post(
            account=_account_locked(report.rider),
            kind=LedgerEntry.Kind.EARNED,
            points=award.points,
            award=award,
        )
        new.append(award)
    if new:
        notification_post(
            recipient=report.rider.user,
            message=messages.REPORT_AWARDED,
            params={
                "id": report.public_id,
                "cash": next((str(a.cash_amount) for a in new if a.kind == Award.Kind.CASH), ""),
                "points": next((a.points for a in new if a.kind == Award.Kind.POINTS), 0),
            },
            link=reverse("rewards:points"),
        )
    return new


# --- Points expiry ---------------------------------------------------------------------------

DEBIT_KINDS = (LedgerEntry.Kind.REDEEMED, LedgerEntry.Kind.ADJUSTED)


def points_expire(*, now: dt.datetime | None = None) -> int:
    """Write expiry entries for points whose time has come; returns how many riders lost some.

    Points are spent oldest-expiring first, so what has expired by now is what was credited
    with an expiry before now, minus everything spent (redeemed or adjusted down), minus what
    already expired; never more than the balance. Running it twice writes nothing new.
    """
    now = now or timezone.now()
    riders = (
        LedgerEntry.objects.filter(expires_at__lte=now, expires_at__gt=now - dt.timedelta(days=400))
        .values_list("rider_id", flat=True)
        .distinct()
    )
    expired = 0
    for rider_id in riders.iterator(chunk_size=2000):
        with transaction.atomic():
            account = _account_locked(Rider(pk=rider_id))
            due = min(_points_due_to_expire(rider_id, now), account.balance)
            if due > 0:
                _ledger_post(
                    account=account,
                    kind=LedgerEntry.Kind.EXPIRED,
                    points=-due,
                    now=now,
                    reason="",
                )
                expired += 1
    return expired


def _points_due_to_expire(rider_id: int, now: dt.datetime) -> int:
    sums = LedgerEntry.objects.filter(rider_id=rider_id).aggregate(
        credited=Sum("points", filter=Q(points__gt=0, expires_at__lte=now), default=0),
        spent=Sum("points", filter=Q(points__lt=0, kind__in=DEBIT_KINDS), default=0),
        expired=Sum("points", filter=Q(kind=LedgerEntry.Kind.EXPIRED), default=0),
    )
    due: int = sums["credited"] + sums["spent"] + sums["expired"]
    return due


# --- Benefits and redemptions ----------------------------------------------------------------


def benefit_redeem(*, rider: Rider, benefit_id: int) -> Redemption:
    """Buy a benefit with points: the points, the stock and the per-rider limit move together.

    The rider's account lock serialises their own redemptions (balance and limit); the stock
    is taken by a conditional UPDATE, so of many riders racing for the last item one wins.
    """
    today = timezone.localdate()
    with transaction.atomic():
        benefit = Benefit.objects.filter(pk=benefit_id).first()
        # Another city's benefit is not on this rider's catalogue (issue 19).
        other_city = benefit is not None and benefit.city_id not in (None, rider.district.city_id)
        if benefit is None or other_city or not _available(benefit, today):
            raise DomainError(_("This benefit is not available now."), code="benefit_unavailable")
        account = _account_locked(rider)
        if account.balance < benefit.points_price:
            raise NotEnoughPoints(
                _("Not enough points: you have %(balance)d, this needs %(points)d.")
                % {"balance": account.balance, "points": benefit.points_price}
            )
        if benefit.per_rider_limit is not None:
            taken = (
                Redemption.objects.filter(rider=rider, benefit=benefit)
                .exclude(status=Redemption.Status.CANCELLED)
                .count()
            )
            if taken >= benefit.per_rider_limit:
                raise DomainError(
                    _("You have already redeemed this benefit %(count)d times, the limit.")
                    % {"count": taken},
                    code="limit_reached",
                )
        if benefit.stock is not None:
            taken = Benefit.objects.filter(pk=benefit.pk, stock__gt=0).update(stock=F("stock") - 1)
            if not taken:
                raise DomainError(_("Sorry, this benefit is out of stock."), code="out_of_stock")
        redemption = Redemption.objects.create(
            benefit=benefit, rider=rider, points=benefit.points_price
        )
        _ledger_post(
            account=account,
            kind=LedgerEntry.Kind.REDEEMED,
            points=-benefit.points_price,
            redemption=redemption,
        )
    return redemption


def _available(benefit: Benefit, today: dt.date) -> bool:
    return (
        benefit.is_active
        and benefit.active_from <= today
        and (benefit.active_until is None or today <= benefit.active_until)
    )


def redemption_use(*, code: str, by: User) -> Redemption:
    """The provider marks a code used at the counter; a second scan is refused, with when."""
    code = code.strip().upper().replace(" ", "")
    redemption = (
        Redemption.objects.select_related("benefit", "rider__district").filter(code=code).first()
    )
    # Another city's voucher is as unknown as a code never issued: a counter serves its city
    # (the benefit's, or for a national benefit the rider's).
    if redemption is None or not (
        sees_all_cities(by)
        or (redemption.benefit.city_id or redemption.rider.district.city_id) == by.city_id
    ):
        raise DomainError(_("No voucher has the code %(code)s.") % {"code": code}, code="unknown")
    now = timezone.now()
    updated = Redemption.objects.filter(pk=redemption.pk, status=Redemption.Status.ISSUED).update(
        status=Redemption.Status.USED, used_at=now, used_by=by
    )
    if not updated:
        redemption.refresh_from_db()
        if redemption.status == Redemption.Status.USED:
            raise DomainError(
                _("Code %(code)s was already used on %(when)s.")
                % {
                    "code": code,
                    "when": timezone.localtime(redemption.used_at).strftime("%Y-%m-%d %H:%M"),
                },
                code="already_used",
            )
        raise DomainError(
            _("Code %(code)s was cancelled and its points refunded.") % {"code": code},
            code="cancelled",
        )
    redemption.refresh_from_db()
    return redemption


def redemption_cancel(
    *, redemption: Redemption, by: User, reason: str = "", reason_kind: Message | None = None
) -> Redemption:
    """Cancel an unused code: the points go back to the rider and the item back to stock.

    The rider reads why on their points history: a person's words (`reason`, kept as typed)
    or the portal's own reason (`reason_kind`, rendered in the reader's language)."""
    reason = reason.strip()
    if not reason and reason_kind is None:
        raise DomainError(_("Give the reason, the rider will see it."), code="reason_required")
    with transaction.atomic():
        account = _account_locked(redemption.rider)
        updated = Redemption.objects.filter(
            pk=redemption.pk, status=Redemption.Status.ISSUED
        ).update(status=Redemption.Status.CANCELLED, cancelled_at=timezone.now())
        if not updated:
            raise DomainError(
                _("Only an unused code can be cancelled."), code="redemption_not_issued"
            )
        Benefit.objects.filter(pk=redemption.benefit_id, stock__isnull=False).update(
            stock=F("stock") + 1
        )
        _ledger_post(
            account=account,
            kind=LedgerEntry.Kind.REFUNDED,
            points=redemption.points,
            redemption=redemption,
            reason=reason,
            reason_kind=reason_kind.kind if reason_kind else "",
            created_by=by,
        )
    redemption.refresh_from_db()
    return redemption


# --- Honour roll -----------------------------------------------------------------------------


def honours_propose_top_reporters(*, month: dt.date) -> list[Honour]:
    """Propose the month's top reporters (most validated reports) for an admin to publish.

    Re-running for the same month proposes nobody twice (unique per rider and month).
    """
    month = month.replace(day=1)
    proposed = []
    for rider, count in top_reporters(month=month, limit=settings.HONOUR_TOP_REPORTERS):
        honour = Honour(
            rider=rider,
            kind=Honour.Kind.TOP_REPORTER,
            month=month,
            validated_reports=count,
            honoured_on=month_bounds(month)[1].date() - dt.timedelta(days=1),
            **_top_reporter_texts(rider=rider, month=month, count=count),
        )
        try:
            with transaction.atomic():
                honour.save()
        except IntegrityError:
            continue
        proposed.append(honour)
    return proposed


def _top_reporter_texts(*, rider: Rider, month: dt.date, count: int) -> dict[str, str]:
    """Title and story in both languages; the admin may edit them before publishing."""
    texts = {}
    for language, suffix in (("zh-hans", ""), ("en", "_en")):
        with override(language):
            params = {"name": rider.name, "year": month.year, "month": month.month, "count": count}
            texts[f"title{suffix}"] = _("Top reporter of %(year)d-%(month)02d") % params
            texts[f"story{suffix}"] = (
                ngettext(
                    "%(name)s reported %(count)d city problem in %(year)d-%(month)02d that was "
                    "validated and dealt with.",
                    "%(name)s reported %(count)d city problems in %(year)d-%(month)02d that were "
                    "validated and dealt with.",
                    count,
                )
                % params
            )
    return texts


def honour_publish(*, honour: Honour, by: User) -> Honour:
    updated = (
        Honour.objects.filter(pk=honour.pk)
        .exclude(status=Honour.Status.PUBLISHED)
        .update(status=Honour.Status.PUBLISHED, published_at=timezone.now(), published_by=by)
    )
    if not updated:
        raise DomainError(_("This honour is already published."), code="already_published")
    honour.refresh_from_db()
    return honour


def honour_withdraw(*, honour: Honour, by: User) -> Honour:
    Honour.objects.filter(pk=honour.pk).update(status=Honour.Status.WITHDRAWN, withdrawn_by=by)
    honour.refresh_from_db()
    return honour
