"""Redeeming benefits: points, stock, limits, dates; codes used once; cancel and refund."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from rewards import services
from rewards.models import Benefit, LedgerEntry, PointsAccount, Redemption
from rewards.selectors import catalogue
from tests.factories import BenefitFactory, RiderFactory, StaffFactory, give_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider():
    rider = RiderFactory()
    give_points(rider, 100)
    return rider


def test_redeeming_takes_points_and_stock_and_issues_a_code(rider):
    benefit = BenefitFactory(points_price=30, stock=5)
    redemption = services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    assert redemption.status == "issued" and len(redemption.code) == 8
    assert redemption.points == 30
    assert PointsAccount.objects.get(rider=rider).balance == 70
    assert Benefit.objects.get(pk=benefit.pk).stock == 4
    entry = LedgerEntry.objects.get(redemption=redemption)
    assert entry.kind == "redeemed" and entry.points == -30


def test_unlimited_stock_stays_unlimited(rider):
    benefit = BenefitFactory(stock=None)
    services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    assert Benefit.objects.get(pk=benefit.pk).stock is None


def assert_refused(rider, benefit, code: str) -> None:
    balance = PointsAccount.objects.get(rider=rider).balance
    with pytest.raises(DomainError) as refused:
        services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    assert refused.value.code == code
    assert PointsAccount.objects.get(rider=rider).balance == balance


def test_not_enough_points(rider):
    benefit = BenefitFactory(points_price=101, stock=3)
    assert_refused(rider, benefit, "not_enough_points")
    assert Benefit.objects.get(pk=benefit.pk).stock == 3
    assert not Redemption.objects.exists()


def test_out_of_stock(rider):
    assert_refused(rider, BenefitFactory(stock=0), "out_of_stock")


def test_per_rider_limit_counts_all_but_cancelled_codes(rider):
    benefit = BenefitFactory(per_rider_limit=2, points_price=10)
    first = services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    assert_refused(rider, benefit, "limit_reached")
    services.redemption_cancel(redemption=first, by=StaffFactory(), reason="误兑")
    services.benefit_redeem(rider=rider, benefit_id=benefit.pk)  # a place is free again
    # Another rider has their own limit.
    other = RiderFactory()
    give_points(other, 10)
    services.benefit_redeem(rider=other, benefit_id=benefit.pk)


@pytest.mark.parametrize(
    "changes",
    [
        {"is_active": False},
        {"active_from": dt.date(2099, 1, 1)},
        {"active_from": dt.date(2020, 1, 1), "active_until": dt.date(2020, 12, 31)},
    ],
    ids=["inactive", "not-yet", "over"],
)
def test_benefits_outside_their_dates_are_not_offered_or_redeemable(rider, changes):
    benefit = BenefitFactory(**changes)
    assert benefit not in catalogue(today=timezone.localdate())
    assert_refused(rider, benefit, "benefit_unavailable")


def test_the_last_day_is_still_available(rider):
    today = timezone.localdate()
    benefit = BenefitFactory(active_from=today, active_until=today)
    assert benefit in catalogue(today=today)
    services.benefit_redeem(rider=rider, benefit_id=benefit.pk)


def test_catalogue_constraints_in_the_database():
    for bad in (
        {"points_price": 0},
        {"stock": -1},
        {"per_rider_limit": 0},
        {"active_from": dt.date(2026, 2, 1), "active_until": dt.date(2026, 1, 31)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            BenefitFactory(**bad)


def test_a_code_is_used_once_and_a_second_scan_says_when(rider):
    staff = StaffFactory()
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    used = services.redemption_use(code=f" {redemption.code.lower()} ", by=staff)
    assert used.status == "used" and used.used_by == staff and used.used_at
    with pytest.raises(DomainError) as refused:
        services.redemption_use(code=redemption.code, by=staff)
    assert refused.value.code == "already_used"
    assert timezone.localtime(used.used_at).strftime("%H:%M") in refused.value.message


def test_unknown_and_cancelled_codes_are_refused(rider):
    staff = StaffFactory()
    with pytest.raises(DomainError) as refused:
        services.redemption_use(code="ZZZZZZZZ", by=staff)
    assert refused.value.code == "unknown"
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    services.redemption_cancel(redemption=redemption, by=staff, reason="停售")
    with pytest.raises(DomainError) as refused:
        services.redemption_use(code=redemption.code, by=staff)
    assert refused.value.code == "cancelled"


def test_cancelling_refunds_once_and_restores_stock(rider):
    staff = StaffFactory()
    benefit = BenefitFactory(points_price=30, stock=1)
    redemption = services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    services.redemption_cancel(redemption=redemption, by=staff, reason="停售")
    assert PointsAccount.objects.get(rider=rider).balance == 100
    assert Benefit.objects.get(pk=benefit.pk).stock == 1
    with pytest.raises(DomainError):
        services.redemption_cancel(redemption=redemption, by=staff, reason="again")
    assert LedgerEntry.objects.filter(redemption=redemption, kind="refunded").count() == 1


def test_a_used_code_cannot_be_cancelled(rider):
    staff = StaffFactory()
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    services.redemption_use(code=redemption.code, by=staff)
    with pytest.raises(DomainError):
        services.redemption_cancel(redemption=redemption, by=staff, reason="想退")
    assert PointsAccount.objects.get(rider=rider).balance == 80


def test_another_citys_counter_does_not_know_the_code(rider):
    """Issue 19: a Jinan counter cannot use (nor learn of) a Qingdao rider's voucher."""
    from tests.factories import jinan

    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    with pytest.raises(DomainError) as refused:
        services.redemption_use(code=redemption.code, by=StaffFactory(city=jinan()))
    assert refused.value.code == "unknown"
    redemption.refresh_from_db()
    assert redemption.status == "issued"
    used = services.redemption_use(code=redemption.code, by=StaffFactory())  # Qingdao's counter
    assert used.status == "used"
