"""Benchmark: a rider's My reports page (/reports/) at 100,000 and at 1,000,000 reports.

One rider filed 150 reports and joined 50 more (200 in My reports); everyone else's reports
fill the table to 100,000 in one database and to 1,000,000 in another (generate_series, one
INSERT each), with a supporter on every tenth report. Both databases are served at once by
gunicorn (DEBUG=0, 2 sync workers each) and wrk loads /reports/ with the rider's session
cookie, the two sizes interleaved round by round (the machine is shared: compare the sizes
within a round). Home (/) is measured alongside as a reference. Prints the EXPLAIN ANALYZE of
the page's count and rows queries at both sizes, for the selector now and the one before
(the OR across the supporter join with DISTINCT).

    .venv/bin/python bench/my_reports.py [--rounds 3] [--seconds 8] [--connections 4]
        [--serve-from DIR]   # serve another checkout of the project (e.g. the code before)

Needs `wrk` (apt-get install wrk).
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchdb import (
    ROOT,
    SERVER,
    django_setup,
    drop_database,
    fresh_database,
    gunicorn_start,
    production_env,
    wrk,
    wrk_script,
)

PREFIX = os.environ.get("BENCH_DB", "riders_portal_bench_flat")
SIZES = (100_000, 1_000_000)
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
FIRST_PORT = int(os.environ.get("BENCH_PORT", "8780"))
FILED, JOINED = 150, 50
OTHER_RIDERS = 2_000


def db_name(size: int) -> str:
    return f"{PREFIX}_{size // 1000}k"


def psql(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def fill(database: str, total: int, *, rider_id: int, category_id: int, district_id: int) -> None:
    """Everyone else's reports up to `total`, over the last year, with a supporter on every
    tenth; one INSERT each."""
    others = total - FILED - JOINED
    psql(
        database,
        f"""
        INSERT INTO governance_report (
            public_id, rider_id, category_id, description, district_id, latitude, longitude,
            address, location_approximate, media_url, status, priority, is_overdue,
            escalation_level, supporter_count, reopen_count, reply, created_at, updated_at,
            closed_at)
        SELECT 'C' || lpad(n::text, 9, '0'), o.id, {category_id}, 'bench', {district_id},
               36 + (n % 1000) / 10000.0, 120 + (n % 997) / 10000.0, '', false, '',
               'confirmed', 2, false, 0, CASE WHEN n % 10 = 0 THEN 1 ELSE 0 END, 0, '',
               now() - (n * (365 * 86400.0 / {others})) * interval '1 second', now(), now()
        FROM generate_series(1, {others}) AS n
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM riders_rider
              WHERE id <> {rider_id}) o ON o.k = n % {OTHER_RIDERS};
        INSERT INTO governance_reportsupporter (report_id, rider_id, created_at)
        SELECT r.id, o.id, r.created_at
        FROM governance_report r
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM riders_rider
              WHERE id <> {rider_id}) o ON o.k = (r.id * 7) % {OTHER_RIDERS}
        WHERE r.public_id LIKE 'C%' AND substr(r.public_id, 2)::int % 10 = 0
          AND o.id <> r.rider_id;
        """,  # noqa: S608 - integers of our own
    )
    psql(database, "VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--serve-from", type=Path, default=ROOT)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()

    started = time.monotonic()
    var_dir = tempfile.mkdtemp(prefix="bench-my-reports-")
    base = production_env(
        database_url=fresh_database(db_name(SIZES[0])), redis_url=REDIS, VAR_DIR=var_dir
    )
    django_setup(**base)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Prefetch, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.models import User
    from governance.models import Report, ReportPhoto, ReportSupporter
    from governance.selectors import reports_for_rider
    from riders.models import Rider
    from tests.factories import RiderFactory, category, qingdao_district

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off: the hashed manifest
    rider, district, stairwell = RiderFactory(), qingdao_district(), category()
    users = User.objects.bulk_create(
        User(username=f"bench-{n}", password="!")  # noqa: S106 - unusable
        for n in range(OTHER_RIDERS)
    )
    others = Rider.objects.bulk_create(
        Rider(
            user=user,
            rider_number=f"B{n:07d}",
            name="骑手",
            phone=f"150{n:08d}",
            district=district,
            joined_on="2024-01-01",
        )
        for n, user in enumerate(users)
    )
    # The rider's 200, spread over the same year as everyone else's.
    common = {"category": stairwell, "district": district, "description": "bench"}
    filed = Report.objects.bulk_create(
        Report(
            rider=rider,
            latitude="36.15",
            longitude="120.43",
            status="confirmed",
            closed_at=timezone.now(),
            **common,
        )
        for _ in range(FILED)
    )
    joined = Report.objects.bulk_create(
        Report(rider=others[n], latitude="36.16", longitude="120.44", supporter_count=1, **common)
        for n in range(JOINED)
    )
    ReportSupporter.objects.bulk_create(ReportSupporter(report=r, rider=rider) for r in joined)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE governance_report SET created_at = now() - (id %% 365) * interval '1 day' "
            "WHERE id = ANY(%s)",
            [[r.pk for r in filed + joined]],
        )
    client = Client()
    client.force_login(rider.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    # The page's two queries (count, rows), as the view runs them; and the selector before.
    def captured(queryset) -> list[str]:
        from django.core.paginator import Paginator

        with CaptureQueriesContext(connection) as queries:
            page = Paginator(queryset, 20).get_page(1)
            list(page.object_list)
        return [q["sql"] for q in queries.captured_queries]

    before = (
        Report.objects.filter(Q(rider=rider) | Q(supporters__rider=rider))
        .distinct()
        .select_related("category", "department", "district")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=ReportPhoto.objects.filter(position=1, report__rider=rider),
                to_attr="cover",
            )
        )
        .order_by("-created_at", "-id")
    )
    plans_sql = {
        "now": captured(reports_for_rider(rider=rider))[:2],
        "before": captured(before)[:2],
    }
    ids = {"rider": rider.pk, "category": stairwell.pk, "district": district.pk}
    connection.close()

    # The second database starts as a copy of the first (same rider, session, ids).
    drop_database(db_name(SIZES[1]))
    psql("postgres", f"CREATE DATABASE {db_name(SIZES[1])} TEMPLATE {db_name(SIZES[0])}")
    for size in SIZES:
        t = time.monotonic()
        fill(db_name(size), size, rider_id=ids["rider"], category_id=ids["category"],
             district_id=ids["district"])  # fmt: skip
        count = psql(db_name(size), "SELECT count(*) FROM governance_report").strip()
        supporters = psql(db_name(size), "SELECT count(*) FROM governance_reportsupporter")
        print(
            f"{db_name(size)}: {int(count):,} reports, {int(supporters):,} supporters "
            f"({time.monotonic() - t:.0f} s to load)"
        )

    plans = {}
    for size in SIZES:
        for label, queries in plans_sql.items():
            for name, sql in zip(("count", "rows"), queries, strict=True):
                plans[(size, label, name)] = psql(
                    db_name(size), f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"
                )

    servers = {}
    script = wrk_script()
    results: dict[tuple[int, str], list[dict[str, float]]] = {}
    try:
        for n, size in enumerate(SIZES):
            env = {**base, "DATABASE_URL": f"{SERVER}/{db_name(size)}"}
            servers[size] = (
                FIRST_PORT + n,
                gunicorn_start(port=FIRST_PORT + n, env=env, cwd=args.serve_from),
            )
        for port, _process in servers.values():
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/reports/", headers={"Cookie": cookie}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read().decode()
            rows = body.count('class="card report-row"')
            assert response.status == 200 and rows == 20, (response.status, rows)
            for _ in range(3):  # warm up both workers
                wrk(f"http://127.0.0.1:{port}/reports/", script=script, threads=1,
                    headers={"Cookie": cookie}, connections=2, seconds=1)  # fmt: skip
        for _round in range(args.rounds):
            for size, (port, _process) in servers.items():
                for path in ("/reports/", "/"):
                    url = f"http://127.0.0.1:{port}{path}"
                    result = wrk(
                        url,
                        script=script,
                        threads=1,
                        headers={"Cookie": cookie},
                        connections=args.connections,
                        seconds=args.seconds,
                    )
                    results.setdefault((size, path), []).append(result)
    finally:
        for _port, process in servers.values():
            process.terminate()
            process.wait(30)
        if not args.keep:
            for size in SIZES:
                drop_database(db_name(size))

    for (size, label, name), plan in plans.items():
        print(f"\n--- {size:,} reports, selector {label}, {name} query ---\n{plan}")
    print(
        f"\ngunicorn 2 workers per size, wrk 1 thread {args.connections} connections "
        f"{args.seconds} s, {args.rounds} rounds interleaved (median; runs in brackets), "
        f"served from {args.serve_from} ({time.monotonic() - started:.0f} s in all)"
    )
    print("| page | reports | requests/s | p50 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (size, path), runs in results.items():
        rps = [r["rps"] for r in runs]
        print(
            f"| `{path}` | {size:,} | {statistics.median(rps):.0f} "
            f"({', '.join(f'{x:.0f}' for x in rps)}) "
            f"| {statistics.median(r['p50'] for r in runs):.1f} "
            f"| {statistics.median(r['p99'] for r in runs):.1f} "
            f"| {sum(r['errors'] for r in runs):.0f} |"
        )
    for path in ("/reports/", "/"):
        small = statistics.median(r["p50"] for r in results[(SIZES[0], path)])
        big = statistics.median(r["p50"] for r in results[(SIZES[1], path)])
        print(f"{path}: p50 at {SIZES[1]:,} / at {SIZES[0]:,} = {big / small:.2f}")


if __name__ == "__main__":
    main()
