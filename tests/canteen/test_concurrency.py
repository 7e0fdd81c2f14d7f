"""Races on PostgreSQL: the daily subsidised cap and the day's last portion hold."""

import threading

import pytest
from django.db import connection

from canteen import services
from canteen.models import MealOrder
from canteen.services import CanteenError
from tests.conftest import require_service
from tests.factories import RiderFactory, canteen_with_meal
from tests.governance.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_ten_orders_at_once_by_one_rider_get_exactly_two_subsidised(settings):
    settings.CANTEEN_SUBSIDISED_MEALS_PER_DAY = 2
    meal = canteen_with_meal()
    rider = RiderFactory()
    outcomes = run_concurrently(
        10, lambda: services.meal_order_place(rider=rider, set_meal_id=meal.pk)
    )
    assert all(isinstance(o, MealOrder) for o in outcomes), outcomes
    assert MealOrder.objects.filter(rider=rider, subsidised=True).count() == 2
    assert MealOrder.objects.filter(rider=rider, subsidised=False).count() == 8
    codes = MealOrder.objects.values_list("pickup_code", flat=True)
    assert len(set(codes)) == 10


def test_twenty_riders_race_for_the_last_portion():
    meal = canteen_with_meal(portions=1)
    riders = iter([RiderFactory() for _ in range(20)])
    lock = threading.Lock()

    def place():
        with lock:
            rider = next(riders)
        return services.meal_order_place(rider=rider, set_meal_id=meal.pk)

    outcomes = run_concurrently(20, place)
    assert len([o for o in outcomes if isinstance(o, MealOrder)]) == 1
    assert {o.code for o in outcomes if isinstance(o, CanteenError)} == {"sold_out"}


def test_a_code_scanned_twice_at_once_is_handed_over_once():
    meal = canteen_with_meal()
    order = services.meal_order_place(rider=RiderFactory(), set_meal_id=meal.pk)
    outcomes = run_concurrently(
        8,
        lambda: services.meal_order_collect(canteen=meal.canteen, code=order.pickup_code, by=None),
    )
    assert len([o for o in outcomes if isinstance(o, MealOrder)]) == 1
    assert {o.code for o in outcomes if isinstance(o, CanteenError)} == {"already_collected"}
