"""A real Celery worker expires meals not collected by closing time."""

import datetime as dt

import pytest
from django.utils import timezone

from canteen.models import MealOrder
from canteen.tasks import expire_uncollected_meals
from tests.factories import RiderFactory, canteen_with_meal

pytestmark = pytest.mark.worker


def test_worker_expires_yesterdays_uncollected_meal(celery_worker):
    meal = canteen_with_meal()
    order = MealOrder.objects.create(
        rider=RiderFactory(),
        canteen=meal.canteen,
        set_meal=meal,
        service_date=timezone.localdate() - dt.timedelta(days=1),
        pickup_code="0420",
        subsidised=True,
        list_price=meal.list_price,
        government_part=meal.government_part,
        platform_part=meal.platform_part,
        merchant_part=meal.merchant_part,
        rider_price=meal.rider_price,
    )
    expire_uncollected_meals.delay()  # what beat sends every 15 minutes
    celery_worker(
        lambda: MealOrder.objects.get(pk=order.pk).status == "expired",
        what="the worker to expire the uncollected meal",
    )
