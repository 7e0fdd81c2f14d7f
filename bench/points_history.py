"""Benchmark: a rider's points page (balance, cash summary, history) on a big ledger.

One rider has 10,000 ledger entries (half of them awards for reports, shown with the report's
number), 9,900 other riders 100 each: 1,000,000 entries in all, on PostgreSQL. The page is
served in-process by Django's test client with DEBUG off (middleware, session, templates
included; no network), first page and a page deep in the history (keyset cursor).

    .venv/bin/python bench/points_history.py [--requests 300]
"""

import argparse
import statistics
import time

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_points"
RIDER_ENTRIES = 10_000
OTHER_RIDERS = 9_900
ENTRIES_PER_OTHER = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
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

    from core.models import User
    from governance.models import Report, ReportStatus
    from rewards.models import Award, LedgerEntry, PointsAccount
    from riders.models import Rider
    from tests.factories import RiderFactory, category, qingdao_district

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off: the hashed manifest
    started = time.monotonic()
    rider = RiderFactory()
    district = qingdao_district()
    stairwell = category()
    halves = RIDER_ENTRIES // 2
    reports = Report.objects.bulk_create(
        Report(
            rider=rider,
            category=stairwell,
            description="bench",
            district=district,
            latitude="36.15",
            longitude="120.43",
            status=ReportStatus.INVALID,  # any closed status; validated_at stays empty
            closed_at="2026-01-01T00:00:00+08:00",
        )
        for _ in range(halves)
    )
    awards = Award.objects.bulk_create(
        Award(report=report, rider=rider, kind="points", points=10) for report in reports
    )
    entries, balance = [], 0
    for n in range(RIDER_ENTRIES):
        balance += 10 if n % 2 == 0 else 1
        if n % 2 == 0:
            entries.append(
                LedgerEntry(
                    rider=rider,
                    kind="earned",
                    points=10,
                    balance_after=balance,
                    award=awards[n // 2],
                )
            )
        else:
            entries.append(
                LedgerEntry(
                    rider=rider, kind="adjusted", points=1, balance_after=balance, reason="bench"
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    PointsAccount.objects.create(rider=rider, balance=balance)

    users = User.objects.bulk_create(
        User(username=f"bench-{n}", password="!")  # noqa: S106 - unusable for n in range(OTHER_RIDERS)
    )
    Rider.objects.bulk_create(
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
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO rewards_ledgerentry
                (rider_id, kind, points, balance_after, reason, created_at)
            SELECT r.id, 'adjusted', 1, g, 'bench', now() - (g || ' minutes')::interval
            FROM riders_rider r CROSS JOIN generate_series(1, %s) g
            WHERE r.rider_number LIKE 'B%%'
            """,
            [ENTRIES_PER_OTHER],
        )
        cursor.execute(
            """
            INSERT INTO rewards_pointsaccount (rider_id, balance, updated_at)
            SELECT id, %s, now() FROM riders_rider WHERE rider_number LIKE 'B%%'
            """,
            [ENTRIES_PER_OTHER],
        )
        cursor.execute("ANALYZE")
    total = LedgerEntry.objects.count()
    print(
        f"data: {total:,} ledger entries, {RIDER_ENTRIES:,} for the rider "
        f"({time.monotonic() - started:.0f} s to load)"
    )

    client = Client()
    client.force_login(rider.user)
    middle = LedgerEntry.objects.filter(rider=rider).order_by("id")[RIDER_ENTRIES // 2].id
    for label, url in (
        ("first page", "/points/"),
        ("deep page (keyset cursor)", f"/points/?before={middle}"),
    ):
        for _ in range(20):  # warm up: connection, templates, caches
            assert client.get(url).status_code == 200
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{label}: {len(queries)} queries, p50 {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms over {args.requests} requests"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN ANALYZE SELECT * FROM rewards_ledgerentry WHERE rider_id = %s "
            "ORDER BY id DESC LIMIT 31",
            [rider.pk],
        )
        plan = [row[0] for row in cursor.fetchall()]
    print("history query plan:", plan[0].strip(), "|", plan[1].strip())
    connection.close()
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
