"""Benchmark: the rider apartment list and "fill all free beds" (PostgreSQL).

(1) The apartment list page with free-bed counts over 50 apartments and 10,000 beds (half of
    them occupied, some offered, riders waiting): queries and p50/p95 through Django's test
    client in-process, DEBUG off. Target: constant queries, under 50 ms p95.
(2) "Fill all free beds" for an apartment with 200 free beds and 1,000 riders waiting.
    Target: under 2 s.

    .venv/bin/python bench/apartments.py [--requests 300]
"""

import argparse
import statistics
import time
from decimal import Decimal

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_apartments"
APARTMENTS = 50
BEDS_PER_APARTMENT = 200


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the page")
    args = parser.parse_args()
    django_setup(
        DATABASE_URL=fresh_database(DB_NAME),
        DEBUG="0",
        SECRET_KEY="bench-only",  # noqa: S106
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
    )
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from apartments import services
    from apartments.models import Apartment, Application, Bed, Facility, Room, RoomType, Tenancy
    from core.models import User
    from riders.models import Rider
    from tests.factories import RiderFactory, qingdao_district

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    started = time.monotonic()
    district = qingdao_district()
    city_id = district.city_id  # the applications' city (issue 19)
    today = timezone.localdate()

    def build(name: str) -> Apartment:
        apartment = Apartment.objects.create(
            name=name,
            district=district,
            address="测试路",
            latitude=Decimal("36.1"),
            longitude=Decimal("120.4"),
            status="operating",
        )
        apartment.facilities.set(Facility.objects.all()[:4])
        room_type = RoomType.objects.create(apartment=apartment, name="四人间", monthly_rent=300)
        rooms = Room.objects.bulk_create(
            Room(apartment=apartment, number=f"{n:03d}", room_type=room_type)
            for n in range(BEDS_PER_APARTMENT // 4)
        )
        Bed.objects.bulk_create(
            Bed(room=room, apartment=apartment, label=label) for room in rooms for label in "ABCD"
        )
        return apartment

    apartments = [build(f"公寓{n:02d}") for n in range(APARTMENTS)]
    riders = _riders(User, Rider, district, 7_000)
    # Half of every apartment's beds occupied, 10 offered each.
    tenancies, offers, rider_index = [], [], 0
    now = timezone.now()
    for apartment in apartments:
        beds = list(Bed.objects.filter(apartment=apartment).order_by("id"))
        for bed in beds[: BEDS_PER_APARTMENT // 2]:
            tenancies.append(
                Tenancy(bed=bed, rider=riders[rider_index], monthly_rent=300, starts_on=today)
            )
            rider_index += 1
        for bed in beds[BEDS_PER_APARTMENT // 2 : BEDS_PER_APARTMENT // 2 + 10]:
            offers.append(
                Application(
                    rider=riders[rider_index],
                    city_id=city_id,
                    desired_move_in=today,
                    status="offered",
                    offered_bed=bed,
                    offered_at=now,
                    offer_expires_at=now,
                )
            )
            rider_index += 1
    Tenancy.objects.bulk_create(tenancies, batch_size=5000)
    Application.objects.bulk_create(offers, batch_size=5000)

    # The fill target: 200 free beds, 1,000 riders waiting for it (and for one more).
    target = build("待分配公寓")
    waiting = Application.objects.bulk_create(
        Application(rider=rider, city_id=city_id, desired_move_in=today)
        for rider in riders[rider_index:][:1000]
    )
    Through = Application.apartments.through
    Through.objects.bulk_create(
        [Through(application=a, apartment=target) for a in waiting]
        + [Through(application=a, apartment=apartments[0]) for a in waiting]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"data: {Apartment.objects.count()} apartments, {Bed.objects.count():,} beds, "
        f"{Tenancy.objects.count():,} tenancies, {Application.objects.count():,} applications "
        f"({time.monotonic() - started:.0f} s to load)"
    )

    client = Client()
    client.force_login(RiderFactory().user)
    for _ in range(20):
        assert client.get("/apartments/").status_code == 200
    queries: list[tuple[str, tuple]] = []

    def count(execute, sql, params, many, context):
        queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get("/apartments/")
    timings = []
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get("/apartments/")
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"apartment list: {len(queries)} queries, p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms over {args.requests} requests"
    )

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get("/apartments/")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    from apartments.selectors import apartments_for_riders

    select = []
    for _ in range(50):
        start = time.perf_counter()
        apartments_for_riders()
        select.append((time.perf_counter() - start) * 1000)
    print(f"  of which the selector (all queries): p50 {statistics.median(select):.1f} ms")

    start = time.perf_counter()
    offered = services.beds_fill(apartment=target, by=None)
    elapsed = time.perf_counter() - start
    print(f"fill all free beds: {len(offered)} offers to 1,000 waiting riders in {elapsed:.2f} s")
    assert len(offered) == BEDS_PER_APARTMENT
    connection.close()
    drop_database(DB_NAME)


def _riders(User, Rider, district, count: int) -> list:
    users = User.objects.bulk_create(
        (User(username=f"bench-{n}", password="!") for n in range(count)),  # noqa: S106
        batch_size=5000,
    )
    return Rider.objects.bulk_create(
        (
            Rider(
                user=user,
                rider_number=f"B{n:07d}",
                name="骑手",
                phone=f"150{n:08d}",
                district=district,
                joined_on="2024-01-01",
            )
            for n, user in enumerate(users)
        ),
        batch_size=5000,
    )


if __name__ == "__main__":
    main()
