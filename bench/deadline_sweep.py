"""Benchmark: the deadline sweep over 1,000,000 reports with 1 % due, on PostgreSQL.

Creates a throwaway database (riders_portal_bench_sweep), fills it with generate_series,
shows the EXPLAIN of the sweep's selection, and times report_deadlines_sweep() — median of 3.
`--keep` keeps the database and `--reuse` runs on the kept one without loading it again: run
this script from two checkouts in turn on one database to compare them on a busy machine.

    .venv/bin/python bench/deadline_sweep.py [--reports 1000000] [--due-share 0.01]
        [--keep] [--reuse] [--profile FILE]
"""

import argparse
import cProfile
import os
import statistics
import time

from benchdb import SERVER, django_setup, drop_database, fresh_database

DB_NAME = os.environ.get("BENCH_DB", "riders_portal_bench_sweep")


def load(reports: int, due: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from tests.factories import DepartmentFactory, RiderFactory, category

    call_command("migrate", verbosity=0)
    rider = RiderFactory()
    department = DepartmentFactory()
    stairs = category()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Every report is routed; `due` of them have their next deadline check in the past.
        cursor.execute(
            """
            INSERT INTO governance_report (
                public_id, rider_id, category_id, description, district_id, latitude, longitude,
                address, location_approximate, media_url, status, department_id, routed_at,
                due_at, is_overdue, escalation_level, supporter_count, next_check_at, reply,
                created_at, updated_at, reopen_count, priority)
            SELECT 'B' || lpad(n::text, 9, '0'), %s, %s, 'bench', %s,
                   36 + (n %% 1000) / 10000.0, 120 + (n %% 997) / 10000.0, '', false, '',
                   'routed', %s, now() - interval '20 hours', now() + interval '4 hours', false,
                   0, 0,
                   CASE WHEN n <= %s THEN now() - interval '1 minute'
                        ELSE now() + interval '2 hours' END,
                   '', now() - interval '20 hours', now(), 0, 2
            FROM generate_series(1, %s) AS n
            """,
            [rider.pk, stairs.pk, rider.district_id, department.pk, due, reports],
        )
        cursor.execute("ANALYZE governance_report")
    print(f"Loaded {reports:,} reports ({due:,} due) in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the last run into FILE")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is")
    args = parser.parse_args()

    if args.reuse:
        django_setup(DATABASE_URL=f"{SERVER}/{DB_NAME}")
    else:
        django_setup(DATABASE_URL=fresh_database(DB_NAME))
    from django.db import connection, transaction
    from django.utils import timezone

    from governance.models import Report
    from governance.services import report_deadlines_sweep

    due = int(args.reports * args.due_share)
    if not args.reuse:
        load(args.reports, due)

    selection = (
        Report.objects.select_for_update(skip_locked=True)
        .filter(next_check_at__lte=timezone.now(), status__in=["routed", "acknowledged"])
        .order_by("next_check_at")
        .values("id", "department_id", "due_at", "routed_at", "escalation_level")[:5000]
    )
    with transaction.atomic():
        plan = selection.explain(analyze=True)
    print("\nEXPLAIN of the sweep's selection:\n" + plan + "\n")

    timings = []
    for _run in range(args.runs):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM governance_reportevent")
            cursor.execute(
                "UPDATE governance_report SET warned_at = NULL, "
                "next_check_at = now() - interval '1 minute' WHERE public_id <= %s",
                ["B" + str(due).rjust(9, "0")],
            )
        profiler = cProfile.Profile() if args.profile and _run == args.runs - 1 else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        handled = report_deadlines_sweep()
        timings.append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        assert handled == due, (handled, due)
    print(f"| reports | due | sweep, median of {args.runs} | runs |")
    print("| --- | --- | --- | --- |")
    print(
        f"| {args.reports:,} | {due:,} | {statistics.median(timings):.2f} s | "
        + ", ".join(f"{t:.2f}" for t in timings)
        + " |"
    )
    connection.close()
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
