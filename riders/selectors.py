import calendar
import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from core.prepared import Prepared

from .models import TIER_RANK, Rider, TierPeriod


def active_rider_count(city_id: int | None = None) -> int:
    """Active riders (the Home page figure), of one city if given."""
    riders = Rider.objects.filter(is_active=True)
    if city_id is not None:
        riders = riders.filter(district__city=city_id)
    return riders.count()


def rider_tier_on(*, rider: Rider, day: dt.date) -> str | None:
    """The tier the rider held on `day`, or None if they held none (not yet a rider)."""
    period = (
        TierPeriod.objects.filter(rider=rider, started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .order_by("-started_on")
        .first()
    )
    return period.tier if period else None


def rider_tier_in_month(*, rider: Rider, year: int, month: int) -> str | None:
    """The tier that counts for month M: the highest tier held on any day of that month.

    A rider promoted on the 20th counts as promoted for the whole month (docs/decisions.md).
    None if the rider held no tier at all in that month.
    """
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    tiers = [row["tier"] for row in _TIERS.rows(rider_id=rider.pk, first=first, last=last)]
    return max(tiers, key=TIER_RANK.__getitem__, default=None)


# On Home (the claim card) and the claim form: compiled once per process (core/prepared.py).
_TIERS = Prepared(
    lambda _shape, rider_id, first, last: (
        TierPeriod.objects.filter(rider_id=rider_id, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values("tier")
    ),
    rider_id=int,
    first=dt.date,
    last=dt.date,
)


def tiers_in_month(*, rider_ids: Iterable[int], year: int, month: int) -> dict[int, str]:
    """rider_tier_in_month for many riders in one query (the monthly subsidy review)."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    tiers: dict[int, str] = {}
    periods = (
        TierPeriod.objects.filter(rider_id__in=rider_ids, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values_list("rider_id", "tier")
    )
    for rider_id, tier in periods.iterator(chunk_size=5000):
        if rider_id not in tiers or TIER_RANK[tier] > TIER_RANK[tiers[rider_id]]:
            tiers[rider_id] = tier
    return tiers
