"""Benchmark: routing with one real Celery worker on Redis (PostgreSQL).

(1) throughput: N submitted reports queued at once, time until the worker has routed them all;
(2) latency: reports filed one by one through the service, submit → routed (p50 / p95), from
    the reports' own timestamps (created_at → routed_at).

`--against DIR` runs a second worker at the same time from another checkout of the project (the
code before a change) on a copy of the database and its own queue, with the same queued
reports: both workers share the machine's load at the same moment, so their ratio holds on a
busy machine where the absolute figures move from run to run.

    .venv/bin/python bench/routing.py [--reports 2000] [--latency-reports 200]
        [--against DIR] [--profile FILE]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

from benchdb import ROOT, SERVER, django_setup, drop_database, fresh_database, psql


def psql_value(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", f"{SERVER}/{database}", "-qAtc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


DB_NAME = os.environ.get("BENCH_DB", "riders_portal_bench_routing")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/2")
QUEUE = f"bench-{uuid.uuid4().hex[:8]}"


def schema_of(checkout: Path, database: str) -> None:
    """Bring the copied database back to the other checkout's schema: unapply (with this
    checkout's migrations, which know how) every migration that checkout does not have."""
    applied = psql_value(database, "SELECT app || ' ' || name FROM django_migrations").split("\n")
    targets: dict[str, str] = {}
    for app, name in (row.split(" ") for row in applied if row):
        folder = checkout / app / "migrations"
        if (ROOT / app / "migrations").is_dir() and not (folder / f"{name}.py").exists():
            known = sorted(p.stem for p in folder.glob("[0-9]*.py"))
            targets[app] = known[-1] if known else "zero"
    for app, target in targets.items():
        subprocess.run(
            [sys.executable, "manage.py", "migrate", app, target, "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": f"{SERVER}/{database}"},
            check=True,
        )


def wait(condition, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("timed out")
        time.sleep(0.25)  # a light poll: the bench must not compete with the worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--latency-reports", type=int, default=200)
    parser.add_argument(
        "--against", type=Path, metavar="DIR", help="also run a worker of this checkout, at once"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="run the worker under cProfile, write its stats here"
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": fresh_database(DB_NAME),
        "REDIS_URL": REDIS,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "DJANGO_SETTINGS_MODULE": "riders_portal.settings",
    }
    django_setup(**env)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max, Min

    from governance.models import Report, ReportStatus, RoutingRule
    from governance.services import report_submit
    from governance.tasks import route_report
    from tests.factories import DepartmentFactory, RiderFactory, category, photo_upload

    call_command("migrate", verbosity=0)
    rider = RiderFactory()
    RoutingRule.objects.create(category=category(), department=DepartmentFactory())

    def start_worker(root=ROOT, env=env, queue=QUEUE, profile=args.profile):
        profiler = [sys.executable, "-m", "cProfile", "-o", profile] if profile else []
        return subprocess.Popen(
            [
                *profiler,
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "riders_portal",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--loglevel",
                os.environ.get("BENCH_LOGLEVEL", "WARNING"),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=root,
            env=env,
        )

    worker = other = None
    other_db = f"{DB_NAME}_against"
    other_queue = f"{QUEUE}-against"
    try:
        # (1) throughput: far-apart reports (no duplicates), all queued at once.
        reports = Report.objects.bulk_create(
            Report(
                rider=rider,
                category=category(),
                description="bench",
                district=rider.district,
                latitude=Decimal("30") + Decimal(n) / 500,
                longitude=Decimal("120.4"),
            )
            for n in range(args.reports)
        )
        # Queue them all before the worker starts, so the figure is the worker's own pace
        # (first to last routing, from the reports' timestamps), not start-up or publishing.
        if args.against:
            # The same reports (same ids) in a copy of the database, for the other checkout.
            connection.close()
            drop_database(other_db)
            psql(f"CREATE DATABASE {other_db} TEMPLATE {DB_NAME}")
            schema_of(args.against, other_db)
        for report in reports:
            route_report.delay(report.pk)
            if args.against:
                route_report.apply_async((report.pk,), queue=other_queue)
        if args.against:
            other_env = {
                **env,
                "DATABASE_URL": f"{SERVER}/{other_db}",
                "CELERY_TASK_DEFAULT_QUEUE": other_queue,
            }
            other = start_worker(args.against, other_env, other_queue, None)
        worker = start_worker()
        wait(lambda: not Report.objects.filter(status=ReportStatus.SUBMITTED).exists())
        span = Report.objects.filter(pk__in=[r.pk for r in reports]).aggregate(
            first=Min("routed_at"), last=Max("routed_at")
        )
        elapsed = (span["last"] - span["first"]).total_seconds()
        throughput = (args.reports - 1) / elapsed
        if args.against:
            query = "SELECT count(*) FROM governance_report WHERE status = 'submitted'"
            wait(lambda: psql_value(other_db, query) == "0")
            other_elapsed = float(
                psql_value(
                    other_db,
                    "SELECT extract(epoch FROM max(routed_at) - min(routed_at)) "
                    "FROM governance_report",
                )
            )
            other_throughput = (args.reports - 1) / other_elapsed
            other.terminate()
            other.wait(30)
            other = None

        # (2) latency: one by one through the service, as the portal files them.
        from django.conf import settings

        settings.REPORTS_PER_RIDER_PER_HOUR = 10**6
        latency_ids = []
        for n in range(args.latency_reports):
            report = report_submit(
                rider=rider,
                category=category(),
                description="latency",
                district=rider.district,
                latitude=Decimal("20") + Decimal(n) / 500,
                longitude=Decimal("110.1"),
                photos=[photo_upload(size=(64, 64))],
            )
            latency_ids.append(report.pk)
            time.sleep(0.05)
        wait(lambda: not Report.objects.filter(pk__in=latency_ids, routed_at=None).exists())
        latencies = sorted(
            (r.routed_at - r.created_at).total_seconds() * 1000
            for r in Report.objects.filter(pk__in=latency_ids)
        )
        p50 = statistics.median(latencies)
        p95 = latencies[int(len(latencies) * 0.95) - 1]
    finally:
        for process in (worker, other):
            if process is not None:
                process.terminate()
                process.wait(30)
        connection.close()
        drop_database(DB_NAME)
        if args.against:
            drop_database(other_db)
    print("| measure | result |")
    print("| --- | --- |")
    print(
        f"| throughput, {args.reports:,} reports, 1 worker process "
        f"| {throughput:.0f} reports/s ({elapsed:.1f} s) |"
    )
    if args.against:
        print(
            f"| throughput at the same time, {args.against} | {other_throughput:.0f} reports/s "
            f"({other_elapsed:.1f} s); ratio {throughput / other_throughput:.2f} |"
        )
    print(f"| submit → routed latency, {args.latency_reports} reports, p50 | {p50:.0f} ms |")
    print(f"| submit → routed latency, p95 | {p95:.0f} ms |")


if __name__ == "__main__":
    main()
