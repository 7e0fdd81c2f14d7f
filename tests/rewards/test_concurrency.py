"""Races on PostgreSQL: awards written once, the last item sold once, no negative balance.
(Payout batches racing: tests/payouts/test_concurrency.py.)"""

import pytest
from django.db import connection
from django.db.models import Sum

from core.errors import DomainError
from rewards import services
from rewards.models import Award, Benefit, LedgerEntry, PointsAccount, Redemption
from tests.conftest import require_service
from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    give_points,
)
from tests.governance.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_twenty_concurrent_award_runs_pay_once():
    from governance import workflow

    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="已处理")
    workflow.confirm(report)  # validated: the award is due
    outcomes = run_concurrently(20, lambda: services.report_awards_grant(report_id=report.pk))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(Award.objects.filter(report=report).values_list("kind", flat=True)) == [
        "cash",
        "points",
    ]
    assert LedgerEntry.objects.filter(rider=report.rider).count() == 1
    assert PointsAccount.objects.get(rider=report.rider).balance == 10


def test_fifty_riders_race_for_the_last_item_and_one_wins():
    benefit = BenefitFactory(stock=1, points_price=20)
    riders = [RiderFactory() for _ in range(50)]
    for rider in riders:
        give_points(rider, 20)
    queue = iter(riders)

    def redeem():
        return services.benefit_redeem(rider=next(queue), benefit_id=benefit.pk)

    outcomes = run_concurrently(50, redeem)
    wins = [o for o in outcomes if isinstance(o, Redemption)]
    losses = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(wins) == 1 and len(losses) == 49, outcomes
    assert {loss.code for loss in losses} == {"out_of_stock"}
    assert Benefit.objects.get(pk=benefit.pk).stock == 0
    # Only the winner paid; every balance still equals its ledger.
    balances = dict(PointsAccount.objects.values_list("rider_id", "balance"))
    assert sorted(balances.values()) == [0] + [20] * 49
    for rider_id, balance in balances.items():
        total = LedgerEntry.objects.filter(rider_id=rider_id).aggregate(s=Sum("points"))["s"]
        assert total == balance


def test_one_rider_redeeming_fifty_times_at_once_never_goes_negative():
    rider = RiderFactory()
    give_points(rider, 60)
    benefit = BenefitFactory(stock=None, points_price=20)
    outcomes = run_concurrently(
        50, lambda: services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    )
    assert len([o for o in outcomes if isinstance(o, Redemption)]) == 3
    assert {o.code for o in outcomes if isinstance(o, DomainError)} == {"not_enough_points"}
    assert PointsAccount.objects.get(rider=rider).balance == 0
    assert LedgerEntry.objects.filter(rider=rider).aggregate(s=Sum("points"))["s"] == 0


def test_per_rider_limit_holds_under_concurrency():
    rider = RiderFactory()
    give_points(rider, 1000)
    benefit = BenefitFactory(per_rider_limit=2, points_price=10)
    outcomes = run_concurrently(
        20, lambda: services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    )
    assert len([o for o in outcomes if isinstance(o, Redemption)]) == 2
    assert Redemption.objects.filter(rider=rider).count() == 2
