"""Benchmark: the monthly scorecard over 1,000,000 reports, on PostgreSQL.

Creates a throwaway database (riders_portal_bench_scorecard), fills it with generate_series —
a year of reports across 30 departments (about 83,000 a month), with riders' answers — shows
the plan of the main aggregate, and times department_scorecard() and district_scorecard() for
one month: median of 3. Target: under 2 s.

    .venv/bin/python bench/scorecard.py [--reports 1000000] [--departments 30]
"""

import argparse
import datetime as dt
import statistics
import time

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_scorecard"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--departments", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    django_setup(DATABASE_URL=fresh_database(DB_NAME))
    from django.core.management import call_command
    from django.db import connection

    from governance.scorecard import department_scorecard, district_scorecard
    from tests.factories import DepartmentFactory, RiderFactory, category

    call_command("migrate", verbosity=0)
    rider = RiderFactory()
    departments = [DepartmentFactory().pk for _ in range(args.departments)]
    stairs = category()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Routed across 2026 (Beijing time); 6 in 10 resolved, 2 confirmed, 1 acknowledged,
        # 1 still routed (a third of those overdue); 1 in 17 reopened once.
        cursor.execute(
            """
            INSERT INTO governance_report (
                public_id, rider_id, category_id, description, district_id, latitude, longitude,
                address, location_approximate, media_url, status, department_id, routed_at,
                due_at, acknowledged_at, closed_at, is_overdue, escalation_level,
                supporter_count, reopen_count, reply, created_at, updated_at)
            SELECT 'B' || lpad(n::text, 9, '0'), %(rider)s, %(category)s, 'bench', %(district)s,
                   36 + (n %% 1000) / 10000.0, 120 + (n %% 997) / 10000.0, '', false, '',
                   CASE WHEN n %% 10 < 6 THEN 'resolved' WHEN n %% 10 < 8 THEN 'confirmed'
                        WHEN n %% 10 = 8 THEN 'acknowledged' ELSE 'routed' END,
                   (%(departments)s::int[])[1 + n %% %(count)s],
                   r.at, r.at + interval '24 hours',
                   CASE WHEN n %% 10 < 9 THEN r.at + (n %% 4) * interval '1 hour' END,
                   CASE WHEN n %% 10 < 8 THEN r.at + (n %% 50) * interval '1 hour' END,
                   n %% 10 = 9 AND n %% 3 = 0, 0, 0, CASE WHEN n %% 17 = 0 THEN 1 ELSE 0 END,
                   '', r.at, r.at
            FROM generate_series(1, %(reports)s) AS n,
                 LATERAL (SELECT timestamptz '2026-01-01 00:00+08'
                                 + (n %% 365) * interval '1 day'
                                 + (n %% 1440) * interval '1 minute' AS at) AS r
            """,
            {
                "rider": rider.pk,
                "category": stairs.pk,
                "district": rider.district_id,
                "departments": departments,
                "count": len(departments),
                "reports": args.reports,
            },
        )
        # Seven in ten fixed reports answered: a fifth of those by default (默认满意).
        cursor.execute(
            """
            INSERT INTO governance_fixanswer (
                report_id, rider_id, round, outcome, satisfaction, comment, photo, thumbnail,
                by_default, created_at)
            SELECT id, %(rider)s, 0, 'fixed',
                   CASE WHEN id %% 5 = 0 THEN 'satisfied'
                        ELSE (ARRAY['satisfied', 'basically', 'dissatisfied'])[1 + id %% 3] END,
                   '', '', '', id %% 5 = 0, closed_at
            FROM governance_report
            WHERE status IN ('resolved', 'confirmed') AND id %% 10 < 7
            """,
            {"rider": rider.pk},
        )
        cursor.execute("ANALYZE governance_report")
        cursor.execute("ANALYZE governance_fixanswer")
    print(f"Loaded {args.reports:,} reports in {time.perf_counter() - started:.1f} s")

    march = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}
    rows = department_scorecard(**march)
    received = sum(row.received for row in rows)
    print(f"March: {received:,} reports received by {len(rows)} departments")
    from django.db.models import Count

    from governance.models import Report
    from governance.scorecard import scorecard_period

    since, until = scorecard_period(**march)
    plan = (
        Report.objects.filter(routed_at__gte=since, routed_at__lt=until)
        .values("department")
        .annotate(n=Count("id"))
        .explain(analyze=True)
    )
    print("\nEXPLAIN of the received count:\n" + plan + "\n")

    print(f"| call | reports in month | median of {args.runs} | runs |")
    print("| --- | --- | --- | --- |")
    for function in (department_scorecard, district_scorecard):
        timings = []
        for _run in range(args.runs):
            started = time.perf_counter()
            function(**march)
            timings.append(time.perf_counter() - started)
        print(
            f"| `{function.__name__}` | {received:,} | {statistics.median(timings):.2f} s | "
            + ", ".join(f"{t:.2f}" for t in timings)
            + " |"
        )
    connection.close()
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
