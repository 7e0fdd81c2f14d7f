"""Benchmark: "Nearby help" at 03:30 over 100,000 partner places (PostgreSQL), the night shift
of issue 17: few places open around the clock, so the circle often widens (1.2 → 2.4 → 4.8 km)
and the closed places shown need their week's hours.

Places as in bench/nearest.py (Qingdao's urban area, about 70 per km²), but only 3 % open 24 h
and the rest 08:00–22:00 every day: at 03:30 most searches find nothing open in the first
circle. Searches at random points for a random service through the selector the page uses.
Target: p95 under 50 ms.

    .venv/bin/python bench/nearest_night.py [--places 100000] [--searches 300]
"""

import argparse
import random
import statistics
import time
from decimal import Decimal

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_nearest_night"
LAT, LNG = (36.00, 36.35), (120.15, 120.55)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=300)
    args = parser.parse_args()
    django_setup(DATABASE_URL=fresh_database(DB_NAME))
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection

    from merchants.models import Merchant, OpeningHours
    from merchants.selectors import nearby_search
    from tests.factories import qingdao_district

    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    district = qingdao_district()
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
                has_toilet=rng.random() < 0.5,
                has_ebike_charging=rng.random() < 0.1,
                has_battery_swap=rng.random() < 0.03,
                open_24h=rng.random() < 0.03,
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
    night = dt.datetime(2026, 12, 1, 3, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    services = ["water", "toilet", "ebike_charging", "battery_swap"]
    points = [
        (Decimal(f"{rng.uniform(36.05, 36.30):.6f}"), Decimal(f"{rng.uniform(120.2, 120.5):.6f}"))
        for _ in range(args.searches)
    ]
    for lat, lng in points[:20]:
        nearby_search(latitude=lat, longitude=lng, service="toilet", at=night)
    timings, widened, none_open = [], 0, 0
    for lat, lng in points:
        service = rng.choice(services)
        start = time.perf_counter()
        search = nearby_search(latitude=lat, longitude=lng, service=service, at=night)
        timings.append((time.perf_counter() - start) * 1000)
        widened += search.widened
        none_open += not search.any_open
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"nearby at 03:30: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms over {len(points)} searches; "
        f"{widened} widened, {none_open} with nothing open up to 4.8 km"
    )
    connection.close()
    drop_database(DB_NAME)


if __name__ == "__main__":
    main()
