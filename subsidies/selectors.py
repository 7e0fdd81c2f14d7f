"""Reads for subsidies: a rider's claims, the months they may claim, payout lines."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.prepared import Prepared
from payouts.models import PayoutBatch
from riders.models import Rider
from riders.selectors import rider_tier_in_month

from .models import Claim, ClaimLine, InsuranceType


def claims_for_rider(*, rider: Rider) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(rider=rider)
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.select_related("insurance_type"))
        )
        .order_by("-month", "-id")
    )


def claimable_months(*, rider: Rider) -> list[dt.date]:
    """This month and the filing window before it, not before the rider joined, not claimed."""
    this_month = timezone.localdate().replace(day=1)
    months = []
    month = this_month
    for _step in range(settings.SUBSIDY_FILING_WINDOW_MONTHS + 1):
        if month >= rider.joined_on.replace(day=1):
            months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    # The window's months are the statement's shape (1 to the window + 1 of them).
    by_name: dict[str, Any] = {f"month{i}": month for i, month in enumerate(months)}
    claimed = {row["month"] for row in _CLAIMED.rows(len(months), rider_id=rider.pk, **by_name)}
    return [m for m in months if m not in claimed]


# On Home (the claim card) and the claim form: compiled once per process (core/prepared.py).
_CLAIMED = Prepared(
    lambda count, rider_id, **months: Claim.objects.filter(
        rider_id=rider_id, month__in=[months[f"month{i}"] for i in range(count)]
    ).values("month"),
    rider_id=int,
    # The months' names are parameters, not Prepared's own on_server (which mypy cannot tell).
    **{f"month{i}": dt.date for i in range(24)},  # type: ignore[arg-type]
)


def claim_month_default(*, months: list[dt.date]) -> dt.date | None:
    """The month the claim form starts on: the latest month already over that may still be
    claimed (contributions are paid for a month and the receipt comes after), this month only
    when no earlier one is left. `months` as from `claimable_months`, newest first."""
    this_month = timezone.localdate().replace(day=1)
    return next((m for m in months if m < this_month), months[0] if months else None)


def insurance_types() -> QuerySet[InsuranceType]:
    return InsuranceType.objects.filter(is_active=True)


def batch_lines(*, batch: PayoutBatch) -> Iterator[list[str]]:
    """CSV rows for the payment system: one per claim, then one per adjustment."""
    claims = batch.subsidy_claims.select_related("rider").order_by("rider__rider_number", "month")
    for claim in claims.iterator(chunk_size=5000):
        yield [
            batch.number,
            claim.rider.rider_number,
            claim.rider.name,
            f"{claim.month:%Y-%m}",
            "claim",
            claim.tier,
            f"{claim.total_paid:.2f}",
            f"{claim.subsidy:.2f}",
            "",
        ]
    for adjustment in batch.subsidy_adjustments.select_related("claim__rider").order_by("id"):
        claim = adjustment.claim
        yield [
            batch.number,
            claim.rider.rider_number,
            claim.rider.name,
            f"{claim.month:%Y-%m}",
            "adjustment",
            claim.tier,
            "",
            f"{adjustment.amount:.2f}",
            adjustment.reason,
        ]


def claim_due(*, rider: Rider) -> dt.date | None:
    """The month Home invites the rider to claim: the claim form's default month, when it is
    not filed yet and the rider held a tier in it (else the claim would be refused): two
    queries."""
    month = claim_month_default(months=claimable_months(rider=rider))
    if month is None:
        return None
    if rider_tier_in_month(rider=rider, year=month.year, month=month.month) is None:
        return None
    return month


def city_obligation(rider: Rider) -> str | None:
    """A claim waiting for review is decided by the city it was filed in, before the rider
    leaves it (riders/obligations.py). Approved claims stay that city's to pay."""
    if Claim.objects.filter(rider=rider, status=Claim.Status.SUBMITTED).exists():
        return str(_("A subsidy claim of theirs is waiting for review; decide it first."))
    return None
