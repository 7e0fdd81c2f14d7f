"""Tiers and their history: "what tier did this rider hold in month M?"."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from riders.models import TierPeriod
from riders.selectors import rider_tier_in_month, rider_tier_on
from riders.services import DomainError, rider_set_tier
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider():
    # Joined 2024-01-01 as a regular rider; honour rider from 2024-03-20; captain from 2024-06-01.
    rider = RiderFactory(joined_on=dt.date(2024, 1, 1))
    rider_set_tier(rider=rider, tier="honour", on=dt.date(2024, 3, 20))
    rider_set_tier(rider=rider, tier="captain", on=dt.date(2024, 6, 1))
    rider.refresh_from_db()
    return rider


def test_history_is_a_chain_of_periods(rider):
    periods = list(
        rider.tier_periods.order_by("started_on").values_list("tier", "started_on", "ended_on")
    )
    assert periods == [
        ("regular", dt.date(2024, 1, 1), dt.date(2024, 3, 19)),
        ("honour", dt.date(2024, 3, 20), dt.date(2024, 5, 31)),
        ("captain", dt.date(2024, 6, 1), None),
    ]
    assert rider.tier == "captain"


def test_tier_on_a_day(rider):
    assert rider_tier_on(rider=rider, day=dt.date(2023, 12, 31)) is None
    assert rider_tier_on(rider=rider, day=dt.date(2024, 3, 19)) == "regular"
    assert rider_tier_on(rider=rider, day=dt.date(2024, 3, 20)) == "honour"
    assert rider_tier_on(rider=rider, day=dt.date(2030, 1, 1)) == "captain"


def test_tier_in_a_month_is_the_highest_held(rider):
    assert rider_tier_in_month(rider=rider, year=2023, month=12) is None
    assert rider_tier_in_month(rider=rider, year=2024, month=2) == "regular"
    assert rider_tier_in_month(rider=rider, year=2024, month=3) == "honour"  # from the 20th
    assert rider_tier_in_month(rider=rider, year=2024, month=5) == "honour"
    assert rider_tier_in_month(rider=rider, year=2024, month=6) == "captain"


def test_same_tier_changes_nothing_and_same_day_change_replaces(rider):
    rider_set_tier(rider=rider, tier="captain", on=dt.date(2024, 7, 1))
    assert rider.tier_periods.count() == 3
    rider_set_tier(rider=rider, tier="honour", on=dt.date(2024, 8, 1))
    rider_set_tier(rider=rider, tier="regular", on=dt.date(2024, 8, 1))
    current = rider.tier_periods.get(ended_on__isnull=True)
    assert (current.tier, current.started_on) == ("regular", dt.date(2024, 8, 1))


def test_unknown_tier_is_refused(rider):
    with pytest.raises(DomainError):
        rider_set_tier(rider=rider, tier="boss")


def test_database_allows_one_open_period_per_rider(rider):
    with pytest.raises(IntegrityError), transaction.atomic():
        TierPeriod.objects.create(rider=rider, tier="regular", started_on=dt.date(2025, 1, 1))


def test_database_refuses_a_period_that_ends_before_it_starts(rider):
    with pytest.raises(IntegrityError), transaction.atomic():
        TierPeriod.objects.create(
            rider=rider,
            tier="regular",
            started_on=dt.date(2020, 5, 1),
            ended_on=dt.date(2020, 4, 1),
        )


def test_database_refuses_an_unknown_tier(rider):
    with pytest.raises(IntegrityError), transaction.atomic():
        TierPeriod.objects.filter(rider=rider).update(tier="boss")
