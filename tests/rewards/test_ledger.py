"""The points ledger: balance = sum, never negative, append-only, expiry, verify_ledgers."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from rewards import services
from rewards.models import LedgerEntry, PointsAccount
from rewards.services import NotEnoughPoints
from tests.factories import BenefitFactory, RiderFactory, StaffFactory, give_points

pytestmark = pytest.mark.django_db
QINGDAO = ZoneInfo("Asia/Shanghai")


def ledger_sum(rider) -> int:
    return LedgerEntry.objects.filter(rider=rider).aggregate(s=Sum("points"))["s"] or 0


def test_balance_is_the_sum_of_the_ledger_after_every_kind_of_change():
    rider = RiderFactory()
    admin = StaffFactory()
    give_points(rider, 100)
    services.points_adjust(rider=rider, points=-30, reason="重复发放更正", by=admin)
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    services.redemption_cancel(redemption=redemption, by=admin, reason="食堂停业")
    services.benefit_redeem(rider=rider, benefit_id=BenefitFactory(points_price=50).pk)
    account = PointsAccount.objects.get(rider=rider)
    assert account.balance == ledger_sum(rider) == 100 - 30 - 20 + 20 - 50
    kinds = list(
        LedgerEntry.objects.filter(rider=rider).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["adjusted", "adjusted", "redeemed", "refunded", "redeemed"]
    last = LedgerEntry.objects.filter(rider=rider).latest("id")
    assert last.balance_after == account.balance
    call_command("verify_ledgers", stdout=StringIO())


def test_an_adjustment_cannot_take_the_balance_below_zero():
    rider = RiderFactory()
    give_points(rider, 5)
    with pytest.raises(NotEnoughPoints):
        services.points_adjust(rider=rider, points=-6, reason="更正", by=StaffFactory())
    assert PointsAccount.objects.get(rider=rider).balance == 5 == ledger_sum(rider)


@pytest.mark.parametrize(
    ("points", "reason", "code"), [(10, "  ", "reason_required"), (0, "更正", "zero_points")]
)
def test_an_adjustment_needs_a_reason_and_a_change(points, reason, code):
    with pytest.raises(services.DomainError) as refused:
        services.points_adjust(
            rider=RiderFactory(), points=points, reason=reason, by=StaffFactory()
        )
    assert refused.value.code == code
    assert not LedgerEntry.objects.exists()


def test_the_database_refuses_a_negative_balance():
    rider = RiderFactory()
    give_points(rider, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(rider=rider).update(balance=-1)


def test_ledger_entries_are_append_only():
    rider = RiderFactory()
    entry = give_points(rider, 5)
    entry.points = 500
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    if connection.vendor == "postgresql":  # the trigger: even a raw UPDATE/DELETE is refused
        for change in (
            lambda: LedgerEntry.objects.filter(pk=entry.pk).update(points=500),
            lambda: LedgerEntry.objects.filter(pk=entry.pk).delete(),
        ):
            with pytest.raises(Exception, match="append-only"), transaction.atomic():
                change()
    assert LedgerEntry.objects.get(pk=entry.pk).points == 5


def test_verify_ledgers_reports_a_balance_that_drifted():
    rider = RiderFactory()
    give_points(rider, 40)
    PointsAccount.objects.filter(rider=rider).update(balance=41)  # a bug elsewhere, say
    err = StringIO()
    with pytest.raises(CommandError, match="1 points balance"):
        call_command("verify_ledgers", stdout=StringIO(), stderr=err)
    assert f"rider {rider.pk}: balance 41" in err.getvalue()


# --- expiry -------------------------------------------------------------------------------------


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=QINGDAO)


def test_points_expire_at_the_end_of_the_next_calendar_year(settings):
    assert settings.POINTS_EXPIRE_AFTER_YEARS == 1
    assert services.points_expiry_for(at(2026, 3, 5, 10)) == at(2028, 1, 1)
    assert services.points_expiry_for(at(2026, 12, 31, 23, 59)) == at(2028, 1, 1)
    settings.POINTS_EXPIRE_AFTER_YEARS = 0
    assert services.points_expiry_for(at(2026, 3, 5)) == at(2027, 1, 1)
    settings.POINTS_EXPIRE_AFTER_YEARS = None
    assert services.points_expiry_for(at(2026, 3, 5)) is None


def credit(rider, points: int, when: dt.datetime) -> None:
    account = PointsAccount.objects.get_or_create(rider=rider)[0]
    with transaction.atomic():
        services._ledger_post(
            account=PointsAccount.objects.select_for_update().get(pk=account.pk),
            kind=LedgerEntry.Kind.ADJUSTED,
            points=points,
            now=when,
            reason="test",
        )


def test_expiry_writes_what_was_left_of_old_points_and_runs_idempotently():
    rider, spender, untouched = RiderFactory(), RiderFactory(), RiderFactory()
    credit(rider, 100, at(2025, 6, 1))  # expires 2027-01-01
    credit(rider, 40, at(2026, 6, 1))  # expires 2028-01-01
    credit(spender, 100, at(2025, 6, 1))
    services.points_adjust(rider=spender, points=-70, reason="兑换", by=StaffFactory())
    credit(untouched, 10, at(2026, 6, 1))

    assert services.points_expire(now=at(2026, 12, 31, 23, 59)) == 0
    assert services.points_expire(now=at(2027, 1, 1, 0, 10)) == 2
    assert services.points_expire(now=at(2027, 1, 1, 0, 20)) == 0  # nothing twice

    def expired(r) -> int:
        return -(
            LedgerEntry.objects.filter(rider=r, kind="expired").aggregate(s=Sum("points"))["s"] or 0
        )

    assert expired(rider) == 100 and PointsAccount.objects.get(rider=rider).balance == 40
    # The 70 spent came out of the oldest points: only 30 of them were left to expire.
    assert expired(spender) == 30 and PointsAccount.objects.get(rider=spender).balance == 0
    assert expired(untouched) == 0
    # A year later the 2026 points go too.
    assert services.points_expire(now=at(2028, 1, 1, 0, 10)) == 2
    assert PointsAccount.objects.get(rider=rider).balance == 0
    call_command("verify_ledgers", stdout=StringIO())


def test_no_expiry_when_switched_off(settings):
    settings.POINTS_EXPIRE_AFTER_YEARS = None
    rider = RiderFactory()
    credit(rider, 100, at(2020, 1, 1))
    assert services.points_expire(now=at(2030, 1, 1)) == 0
    assert PointsAccount.objects.get(rider=rider).balance == 100
