"""Reads for rewards: balances, history, catalogue, payout lines, honour roll."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.prepared import Prepared, PreparedModels
from governance.models import CityCategory, Report, ReportStatus
from payouts.models import PayoutBatch
from privacy.models import Purpose
from privacy.selectors import consent_granted
from riders.models import Rider

from .models import Award, Benefit, Honour, LedgerEntry, PointsAccount, Redemption

HISTORY_PAGE_SIZE = 30


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `month` and of the month after, in Qingdao time."""
    first = month.replace(day=1)
    first_next = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(first_next, dt.time.min)),
    )


def reports_awaiting_award(*, since: dt.datetime) -> list[int]:
    """Reports validated since `since` that earn something and have no award yet."""
    return list(
        Report.objects.filter(validated_at__gte=since, rider__is_active=True)
        .exclude(status__in=[ReportStatus.INVALID, ReportStatus.DUPLICATE])
        .filter(
            Q(category__cash_reward__gt=0)
            | Q(category__points_reward__gt=0)
            # Or the city pays for the category what the category itself does not.
            | Exists(
                CityCategory.objects.filter(
                    city=OuterRef("district__city"), category=OuterRef("category")
                ).filter(Q(cash_reward__gt=0) | Q(points_reward__gt=0))
            )
        )
        .exclude(Exists(Award.objects.filter(report=OuterRef("pk"))))
        .values_list("pk", flat=True)[:5000]
    )


def points_balance(*, rider: Rider) -> int:
    rows = _BALANCE.rows(rider_id=rider.pk)
    return rows[0]["balance"] if rows else 0


# On every Home and points page: compiled once per process (core/prepared.py).
_BALANCE = Prepared(
    lambda _shape, rider_id: PointsAccount.objects.filter(rider_id=rider_id).values("balance"),
    rider_id=int,
)


@dataclass(frozen=True)
class HistoryPage:
    entries: list[LedgerEntry]
    older_than: int | None  # the id to page on, None on the last page


def ledger_history(*, rider: Rider, before: int | None = None) -> HistoryPage:
    """One page of the rider's ledger, newest first, keyset-paged by id (index ledger_rider_idx),
    with the report or benefit each line came from: one query whatever the ledger's length."""
    entries = LedgerEntry.objects.filter(rider=rider).select_related(
        "award__report", "redemption__benefit"
    )
    if before is not None:
        entries = entries.filter(id__lt=before)
    page = list(entries.order_by("-id")[: HISTORY_PAGE_SIZE + 1])
    older = page[HISTORY_PAGE_SIZE - 1].id if len(page) > HISTORY_PAGE_SIZE else None
    return HistoryPage(entries=page[:HISTORY_PAGE_SIZE], older_than=older)


@dataclass(frozen=True)
class CashSummary:
    earned: Decimal
    paid: Decimal
    pending: Decimal


def cash_summary(*, rider: Rider) -> CashSummary:
    zero = Decimal("0.00")
    sums = Award.objects.filter(rider=rider, kind=Award.Kind.CASH).aggregate(
        earned=Sum("cash_amount", default=zero),
        paid=Sum("cash_amount", filter=Q(batch__status=PayoutBatch.Status.PAID), default=zero),
    )
    cent = Decimal("0.01")
    earned, paid = sums["earned"].quantize(cent), sums["paid"].quantize(cent)
    return CashSummary(earned=earned, paid=paid, pending=earned - paid)


def catalogue(
    *, today: dt.date, rider: Rider | None = None, city_id: int | None = None
) -> QuerySet[Benefit]:
    """Benefits a rider can redeem today; with `rider`, those of the rider's city (`city_id`,
    else their district's) and the national ones (no city, issue 19), and how many they
    already hold of each."""
    benefits = Benefit.objects.filter(is_active=True, active_from__lte=today).filter(
        Q(active_until__isnull=True) | Q(active_until__gte=today)
    )
    if rider is not None:
        if city_id is None:
            city_id = rider.district.city_id
        benefits = benefits.filter(Q(city__isnull=True) | Q(city_id=city_id))
        benefits = benefits.annotate(
            held=Coalesce(
                Subquery(
                    Redemption.objects.filter(benefit=OuterRef("pk"), rider=rider)
                    .exclude(status=Redemption.Status.CANCELLED)
                    .values("benefit")
                    .annotate(n=Count("id"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
    return benefits


# Home's points card: the benefits the rider can still redeem, compiled once (core/prepared.py).
_REDEEMABLE = PreparedModels(
    lambda _shape, rider_id, city_id, today: (
        catalogue(today=today, rider=Rider(pk=rider_id), city_id=city_id)
        .exclude(stock=0)
        .filter(Q(per_rider_limit__isnull=True) | Q(per_rider_limit__gt=F("held")))
        .order_by("points_price", "sort_order", "id")
    ),
    rider_id=int,
    city_id=int,
    today=dt.date,
)


def redemptions_for_rider(*, rider: Rider) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(rider=rider)
        .select_related("benefit")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class PayoutLine:
    rider_number: str
    name: str
    items: int
    amount: Decimal


def payout_lines(*, batch: PayoutBatch) -> Iterator[PayoutLine]:
    """One line per rider with their total in the batch, for the payment system's CSV."""
    rows = (
        batch.awards.values("rider__rider_number", "rider__name")
        .annotate(items=Count("id"), amount=Sum("cash_amount"))
        .order_by("rider__rider_number")
    )
    for row in rows.iterator(chunk_size=5000):
        yield PayoutLine(
            rider_number=row["rider__rider_number"],
            name=row["rider__name"],
            items=row["items"],
            amount=row["amount"],
        )


def top_reporters(*, month: dt.date, limit: int) -> list[tuple[Rider, int]]:
    """Riders with the most reports validated in `month` (Qingdao time), active riders only;
    ties go to whoever reached the count first."""
    start, end = month_bounds(month)
    rows = (
        Report.objects.filter(validated_at__gte=start, validated_at__lt=end, rider__is_active=True)
        .exclude(status__in=[ReportStatus.INVALID, ReportStatus.DUPLICATE])
        .values("rider")
        .annotate(count=Count("id"), last=Max("validated_at"))
        .order_by("-count", "last", "rider")[:limit]
    )
    riders = Rider.objects.in_bulk([row["rider"] for row in rows])
    return [(riders[row["rider"]], row["count"]) for row in rows]


def published_honours(*, kind: str | None = None, city_id: int | None = None) -> QuerySet[Honour]:
    """The published honour roll; with `city_id`, of that city's riders (issue 19). Each row's
    `public`: whether the rider agreed to appear with photo and story (issue 20); the pages
    show the others without either, and with a masked name (docs/decisions.md, "Honour roll
    and consent")."""
    honours = (
        Honour.objects.filter(status=Honour.Status.PUBLISHED)
        .select_related("rider__district")
        .annotate(public=consent_granted(Purpose.HONOUR_ROLL_PUBLIC))
    )
    if city_id is not None:
        honours = honours.filter(rider__district__city_id=city_id)
    if kind:
        honours = honours.filter(kind=kind)
    return honours.order_by("-honoured_on", "-id")


def ledger_mismatches() -> list[tuple[int, int, int]]:
    """(rider id, cached balance, ledger sum) for every rider where they differ; a rider with
    ledger lines but no account counts as a cached balance of 0. Should always be empty."""
    ledger_sum = (
        LedgerEntry.objects.filter(rider=OuterRef("rider"))
        .values("rider")
        .annotate(total=Sum("points"))
        .values("total")
    )
    accounts = (
        PointsAccount.objects.annotate(
            ledger=Coalesce(Subquery(ledger_sum, output_field=IntegerField()), 0)
        )
        .exclude(balance=F("ledger"))
        .values_list("rider_id", "balance", "ledger")
    )
    without_account = (
        LedgerEntry.objects.exclude(Exists(PointsAccount.objects.filter(rider=OuterRef("rider"))))
        .values("rider")
        .annotate(total=Sum("points"))
        .values_list("rider", "total")
    )
    return [*accounts, *((rider, 0, total) for rider, total in without_account)]


@dataclass(frozen=True)
class NearestReward:
    """What the rider's points come to: the dearest benefit they can take now, and the
    cheapest one still out of reach with the points missing (either may be None)."""

    balance: int
    within_reach: Benefit | None
    next_goal: Benefit | None

    @property
    def points_to_go(self) -> int:
        return self.next_goal.points_price - self.balance if self.next_goal else 0


def nearest_reward(*, rider: Rider, today: dt.date) -> NearestReward:
    """Home's points card: the balance and the nearest reward, from today's catalogue without
    the benefits out of stock or at the rider's limit (redeeming those would be refused):
    two queries."""
    balance = points_balance(rider=rider)
    benefits = _REDEEMABLE.objects(rider_id=rider.pk, city_id=rider.district.city_id, today=today)
    within_reach = [b for b in benefits if b.points_price <= balance]
    goal = next((b for b in benefits if b.points_price > balance), None)
    return NearestReward(
        balance=balance, within_reach=within_reach[-1] if within_reach else None, next_goal=goal
    )
