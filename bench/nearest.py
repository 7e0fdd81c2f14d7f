"""Benchmark: "nearest with X" over 100,000 partner places (PostgreSQL).

Places spread over Qingdao's urban area (about 1,400 km², some 70 per km²), each with a random
set of services; 60 % with weekly opening hours (7 rows each), the rest open 24 h. Searches at
random points for a random service through the selector the page uses (queries, distances,
opening hours in Qingdao time). Target: p95 under 20 ms.

    .venv/bin/python bench/nearest.py [--places 100000] [--searches 500]
"""

import argparse
import random
import statistics
import time
from decimal import Decimal

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_nearest"
LAT, LNG = (36.00, 36.35), (120.15, 120.55)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=500)
    args = parser.parse_args()
    django_setup(DATABASE_URL=fresh_database(DB_NAME))
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from merchants.models import Merchant, OpeningHours
    from merchants.selectors import nearest_places
    from tests.factories import qingdao_district

    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    district = qingdao_district()
    started = time.monotonic()
    merchants = Merchant.objects.bulk_create(
        (
            Merchant(
                name=f"商户{n}",
                kind=rng.choice(["shop", "restaurant", "supermarket", "pharmacy"]),
                address="青岛",
                district=district,
                latitude=Decimal(f"{rng.uniform(*LAT):.6f}"),
                longitude=Decimal(f"{rng.uniform(*LNG):.6f}"),
                has_water=rng.random() < 0.8,
                has_charging=rng.random() < 0.5,
                has_toilet=rng.random() < 0.5,
                has_rest_seat=rng.random() < 0.3,
                has_ebike_repair=rng.random() < 0.05,
                open_24h=rng.random() < 0.4,
            )
            for n in range(args.places)
        ),
        batch_size=5000,
    )
    opens, closes = dt.time(8), dt.time(22)
    OpeningHours.objects.bulk_create(
        (
            OpeningHours(merchant=m, weekday=day, opens=opens, closes=closes)
            for m in merchants
            if not m.open_24h
            for day in range(7)
        ),
        batch_size=10_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"data: {Merchant.objects.count():,} places, {OpeningHours.objects.count():,} opening "
        f"periods ({time.monotonic() - started:.0f} s to load)"
    )

    services = ["water", "charging", "toilet", "repair", "pharmacy"]
    points = [
        (Decimal(f"{rng.uniform(36.05, 36.30):.6f}"), Decimal(f"{rng.uniform(120.2, 120.5):.6f}"))
        for _ in range(args.searches)
    ]
    for lat, lng in points[:20]:
        nearest_places(latitude=lat, longitude=lng, service="toilet")
    timings, found = [], []
    for lat, lng in points:
        service = rng.choice(services)
        start = time.perf_counter()
        places = nearest_places(latitude=lat, longitude=lng, service=service)
        timings.append((time.perf_counter() - start) * 1000)
        found.append(len(places))
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"nearest with X: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms over {len(points)} searches; "
        f"{statistics.median(found):.0f} places found (median, capped at 20)"
    )
    lat, lng = points[0]
    with connection.cursor() as cursor:
        from core.geo import bounding_box

        box = bounding_box(lat, lng, 1200)
        cursor.execute(
            "EXPLAIN ANALYZE SELECT id FROM merchants_merchant WHERE is_active AND has_toilet "
            "AND latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s",
            [box[0], box[1], box[2], box[3]],
        )
        plan = [row[0].strip() for row in cursor.fetchall()]
    print("bounding-box plan:", " | ".join(plan[:3]))
    connection.close()
    drop_database(DB_NAME)


if __name__ == "__main__":
    main()
