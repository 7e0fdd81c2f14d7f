"""Benchmark: the counter's pick-up code lookup and collect (PostgreSQL).

A canteen with 3,000 orders today (and 60 days of history, 180,000 orders), collected one code
at a time through the service the counter page calls. Target: p95 under 10 ms.

    .venv/bin/python bench/pickup.py [--collects 500]
"""

import argparse
import datetime as dt
import random
import statistics
import time

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_pickup"
TODAY_ORDERS = 3000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--collects", type=int, default=500)
    args = parser.parse_args()
    django_setup(DATABASE_URL=fresh_database(DB_NAME))
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from canteen.models import MealOrder
    from canteen.services import meal_order_collect
    from core.models import User
    from tests.factories import RiderFactory, canteen_with_meal

    call_command("migrate", verbosity=0)
    meal = canteen_with_meal()
    rider = RiderFactory()
    staff = User.objects.create(username="counter")
    today = timezone.localdate()
    started = time.monotonic()
    orders = []
    for day in range(61):
        service_date = today - dt.timedelta(days=day)
        for code in range(TODAY_ORDERS):
            orders.append(
                MealOrder(
                    rider=rider,
                    canteen=meal.canteen,
                    set_meal=meal,
                    service_date=service_date,
                    pickup_code=f"{code:04d}",
                    status="placed" if day == 0 else "collected",
                    collected_at=None if day == 0 else timezone.now(),
                    subsidised=True,
                    list_price=meal.list_price,
                    government_part=meal.government_part,
                    platform_part=meal.platform_part,
                    merchant_part=meal.merchant_part,
                    rider_price=meal.rider_price,
                )
            )
    MealOrder.objects.bulk_create(orders, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data: {MealOrder.objects.count():,} orders ({time.monotonic() - started:.0f} s)")
    codes = [f"{n:04d}" for n in random.Random(3).sample(range(TODAY_ORDERS), args.collects)]
    timings = []
    for code in codes:
        start = time.perf_counter()
        meal_order_collect(canteen=meal.canteen, code=code, by=staff)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"collect by code: p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
        f"max {timings[-1]:.2f} ms over {len(codes)} codes"
    )
    connection.close()
    drop_database(DB_NAME)


if __name__ == "__main__":
    main()
