"""Ordering with the three-way subsidy and the daily cap; pick-up codes; expiry; settlement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from canteen import services
from canteen.models import Canteen, MealOrder, SetMeal
from canteen.selectors import settlement
from canteen.services import CanteenError
from tests.factories import RiderFactory, StaffFactory, canteen_with_meal

pytestmark = pytest.mark.django_db


def order(rider, meal, **kwargs) -> MealOrder:
    return services.meal_order_place(rider=rider, set_meal_id=meal.pk, **kwargs)


def test_a_subsidised_order_stores_all_four_parts():
    meal = canteen_with_meal()
    placed = order(RiderFactory(), meal)
    assert placed.subsidised and placed.status == "placed"
    assert (placed.list_price, placed.government_part, placed.platform_part) == (
        Decimal("22.00"),
        Decimal("5.00"),
        Decimal("4.00"),
    )
    assert placed.merchant_part == Decimal("3.00") and placed.rider_price == Decimal("10.00")
    assert len(placed.pickup_code) == 4 and placed.pickup_code.isdigit()
    assert placed.service_date == timezone.localdate()
    # A later price change does not touch what was ordered.
    SetMeal.objects.filter(pk=meal.pk).update(list_price=Decimal("30.00"))
    placed.refresh_from_db()
    assert placed.list_price == Decimal("22.00")


def test_beyond_the_daily_cap_the_rider_pays_the_list_price(settings):
    settings.CANTEEN_SUBSIDISED_MEALS_PER_DAY = 2
    meal = canteen_with_meal()
    rider = RiderFactory()
    first, second, third = (order(rider, meal) for _ in range(3))
    assert first.subsidised and second.subsidised and not third.subsidised
    assert third.rider_price == third.list_price == Decimal("22.00")
    assert third.government_part == third.platform_part == third.merchant_part == 0
    services.meal_order_cancel(order=first, rider=rider)
    assert order(rider, meal).subsidised  # a cancelled meal gives the place back


def test_sold_out_closed_and_off_menu_are_refused():
    meal = canteen_with_meal(portions=1)
    order(RiderFactory(), meal)
    with pytest.raises(CanteenError) as refused:
        order(RiderFactory(), meal)
    assert refused.value.code == "sold_out"
    closed = canteen_with_meal(name="已打烊", opens="00:00", closes="00:00:01")
    with pytest.raises(CanteenError) as refused:
        order(RiderFactory(), closed)
    assert refused.value.code == "closed"
    SetMeal.objects.filter(pk=meal.pk).update(is_active=False)
    with pytest.raises(CanteenError) as refused:
        order(RiderFactory(), meal)
    assert refused.value.code == "meal_unavailable"
    with pytest.raises(CanteenError):
        order(RiderFactory(is_active=False), canteen_with_meal(name="新食堂"))
    with pytest.raises(CanteenError):
        order(RiderFactory(), canteen_with_meal(name="再一家"), payment="bitcoin")


def test_the_counter_hands_over_once_and_explains_every_wrong_code():
    meal = canteen_with_meal()
    staff = StaffFactory()
    placed = order(RiderFactory(), meal)
    collected = services.meal_order_collect(
        canteen=meal.canteen, code=f" {placed.pickup_code} ", by=staff
    )
    assert collected.status == "collected" and collected.collected_by == staff
    for code, expected in (
        (placed.pickup_code, "already_collected"),
        ("9999" if placed.pickup_code != "9999" else "9998", "unknown"),
    ):
        with pytest.raises(CanteenError) as refused:
            services.meal_order_collect(canteen=meal.canteen, code=code, by=staff)
        assert refused.value.code == expected
    cancelled = order(RiderFactory(), meal)
    services.meal_order_cancel(order=cancelled, rider=cancelled.rider)
    with pytest.raises(CanteenError) as refused:
        services.meal_order_collect(canteen=meal.canteen, code=cancelled.pickup_code, by=staff)
    assert refused.value.code == "cancelled"
    other = canteen_with_meal(name="别的食堂")
    with pytest.raises(CanteenError):  # a code is only valid at its own canteen
        services.meal_order_collect(canteen=other.canteen, code=cancelled.pickup_code, by=staff)


def test_yesterdays_code_has_expired():
    meal = canteen_with_meal()
    placed = order(RiderFactory(), meal)
    MealOrder.objects.filter(pk=placed.pk).update(
        service_date=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(CanteenError) as refused:
        services.meal_order_collect(canteen=meal.canteen, code=placed.pickup_code, by=None)
    assert refused.value.code == "expired"


def test_uncollected_orders_expire_at_closing_time():
    meal = canteen_with_meal(opens="08:00", closes="21:00")
    placed = order(RiderFactory(), meal) if timezone.localtime().time() < dt.time(21) else None
    if placed is None:  # the test runs after 21:00: order before closing by moving the clock
        MealOrder.objects.create(
            rider=RiderFactory(),
            canteen=meal.canteen,
            set_meal=meal,
            service_date=timezone.localdate(),
            pickup_code="1234",
            subsidised=False,
            list_price=meal.list_price,
            government_part=0,
            platform_part=0,
            merchant_part=0,
            rider_price=meal.list_price,
        )
        placed = MealOrder.objects.get()
    today = timezone.localdate()
    before = timezone.make_aware(dt.datetime.combine(today, dt.time(20, 59)))
    after = timezone.make_aware(dt.datetime.combine(today, dt.time(21, 0)))
    assert services.orders_expire(now=before) == 0
    assert services.orders_expire(now=after) == 1
    placed.refresh_from_db()
    assert placed.status == "expired"
    assert services.orders_expire(now=after) == 0


def test_pickup_codes_are_unique_per_canteen_and_day_in_the_database():
    meal = canteen_with_meal()
    placed = order(RiderFactory(), meal)
    fields = {
        "rider": RiderFactory(),
        "set_meal": meal,
        "subsidised": False,
        "list_price": meal.list_price,
        "government_part": 0,
        "platform_part": 0,
        "merchant_part": 0,
        "rider_price": meal.list_price,
        "pickup_code": placed.pickup_code,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        MealOrder.objects.create(canteen=meal.canteen, service_date=placed.service_date, **fields)
    other = canteen_with_meal(name="别的食堂")
    MealOrder.objects.create(
        canteen=other.canteen, service_date=placed.service_date, **{**fields, "set_meal": other}
    )
    MealOrder.objects.create(
        canteen=meal.canteen, service_date=placed.service_date + dt.timedelta(days=1), **fields
    )


def test_price_part_constraints_in_the_database():
    meal = canteen_with_meal()
    canteen = meal.canteen
    for parts in (("-1.00", "0", "0"), ("10.00", "10.00", "3.00")):
        with pytest.raises(IntegrityError), transaction.atomic():
            SetMeal.objects.create(
                canteen=canteen,
                name="坏套餐",
                list_price=Decimal("22.00"),
                government_part=Decimal(parts[0]),
                platform_part=Decimal(parts[1]),
                merchant_part=Decimal(parts[2]),
            )
    with pytest.raises(IntegrityError), transaction.atomic():
        MealOrder.objects.create(
            rider=RiderFactory(),
            canteen=canteen,
            set_meal=meal,
            service_date=timezone.localdate(),
            pickup_code="0001",
            subsidised=True,
            list_price=Decimal("22.00"),
            government_part=Decimal("5.00"),
            platform_part=Decimal("4.00"),
            merchant_part=Decimal("3.00"),
            rider_price=Decimal("9.00"),  # does not add up
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Canteen.objects.filter(pk=canteen.pk).update(closes_at=dt.time(0, 0), opens_at=dt.time(9))


def test_monthly_settlement_counts_collected_meals_only():
    meal = canteen_with_meal()
    riders = [RiderFactory() for _ in range(3)]
    orders = [order(rider, meal) for rider in riders]
    full_price = [order(riders[0], meal), order(riders[0], meal)][-1]  # third: list price
    for placed in (*orders[:2], full_price):
        services.meal_order_collect(canteen=meal.canteen, code=placed.pickup_code, by=None)
    (row,) = settlement(canteens=Canteen.objects.all(), month=timezone.localdate())
    assert (row.meals, row.subsidised_meals) == (3, 2)
    assert row.list_value == Decimal("66.00")
    assert (row.government, row.platform, row.merchant) == (
        Decimal("10.00"),
        Decimal("8.00"),
        Decimal("6.00"),
    )
    assert row.riders == Decimal("42.00")
    assert row.government + row.platform + row.merchant + row.riders == row.list_value


money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("60.00"), places=2)


class TestPartsAlwaysAddUp(HypothesisTestCase):
    """Property: whatever the split, every order's parts and the settlement add up."""

    @settings(max_examples=30, deadline=None)
    @given(
        list_price=money.filter(lambda v: v > 0),
        shares=st.lists(money, min_size=3, max_size=3),
        meals=st.integers(min_value=1, max_value=4),
    )
    def test_parts_add_up(self, list_price, shares, meals):
        government, platform, merchant = shares
        if government + platform + merchant > list_price:
            scale = list_price / (government + platform + merchant)
            government, platform = (
                (government * scale).quantize(Decimal("0.01"), "ROUND_DOWN"),
                (platform * scale).quantize(Decimal("0.01"), "ROUND_DOWN"),
            )
            merchant = (merchant * scale).quantize(Decimal("0.01"), "ROUND_DOWN")
        meal = canteen_with_meal(
            list_price=str(list_price), parts=(str(government), str(platform), str(merchant))
        )
        rider = RiderFactory()
        for _ in range(meals):
            placed = order(rider, meal)
            assert (
                placed.rider_price
                + placed.government_part
                + placed.platform_part
                + placed.merchant_part
                == placed.list_price
            )
            services.meal_order_collect(canteen=meal.canteen, code=placed.pickup_code, by=None)
        (row,) = settlement(
            canteens=Canteen.objects.filter(pk=meal.canteen_id), month=timezone.localdate()
        )
        assert row.meals == meals
        assert row.government + row.platform + row.merchant + row.riders == row.list_value
        assert row.list_value == list_price * meals
