"""Benchmark: the department API and Open311 against a bare-Django floor, in one run.

100,000 routed reports over 4 departments in PostgreSQL, Redis cache, gunicorn with 2 sync
workers and DEBUG=0. The same gunicorn serves the project and the floor (bench/floor_urls.py,
mounted by bench/floor_settings.py only): bare views returning the same rows, order and page
size with one `.values()` query and JsonResponse, under the same settings and middleware, no
authentication. wrk loads project and floor in turn (A B, B A, A B: drift cancels out), at 10
and 50 connections, for the department list (page of 50), a report's detail and Open311
`requests.json?page_size=50`. The API token's rate limit is raised, not removed: the throttle
runs on every request. A second gunicorn without the throttle shows the throttle's own cost.

Needs `wrk` (apt-get install wrk). Prints the ratio table and writes it into
docs/benchmarks.md (the "Department API and Open311" section) unless --no-write.

    .venv/bin/python bench/api_floor.py [--reports 100000] [--seconds 5] [--rounds 3]
"""

import argparse
import os
import statistics
import textwrap
import time
import urllib.request
from pathlib import Path

from benchdb import (
    ROOT,
    django_setup,
    drop_database,
    fresh_database,
    gunicorn_start,
    production_env,
    wrk_script,
)
from benchdb import wrk as bench_wrk

DB_NAME = "riders_portal_bench_floor"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
PORT, PORT_NO_THROTTLE = 8770, 8771
DOCS = ROOT / "docs" / "benchmarks.md"
HEADING = "## Department API and Open311"


def wrk(url: str, connections: int, seconds: int, token: str | None, script: Path) -> dict:
    headers = {"Authorization": f"Token {token}"} if token else None
    return bench_wrk(url, connections=connections, seconds=seconds, script=script, headers=headers)


def interleaved(a, b, *, connections: int, rounds: int, seconds: int, script: Path) -> dict:
    """wrk on A and B in turn, `rounds` times, alternating which goes first."""
    results: dict[str, list[dict]] = {"a": [], "b": []}
    for n in range(rounds):
        order = (("a", a), ("b", b)) if n % 2 == 0 else (("b", b), ("a", a))
        for side, (url, token) in order:
            results[side].append(wrk(url, connections, seconds, token, script))

    def summary(runs: list[dict]) -> dict:
        return {
            "rps": statistics.mean(r["rps"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }

    return {"a": summary(results["a"]), "b": summary(results["b"])}


def load_reports(count: int) -> dict:
    """The departments, a token of the first, and the report whose detail is read."""
    from django.core.management import call_command
    from django.db import connection

    from api.services import token_issue
    from governance.models import Report, ReportEvent, ReportPhoto
    from tests.factories import DepartmentFactory, RiderFactory, category

    call_command("migrate", verbosity=0)
    rider = RiderFactory()
    departments = [DepartmentFactory() for _ in range(4)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO governance_report (
                public_id, rider_id, category_id, description, district_id, latitude, longitude,
                address, location_approximate, media_url, status, department_id, routed_at,
                due_at, is_overdue, escalation_level, supporter_count, reply, created_at,
                updated_at, priority, reopen_count)
            SELECT 'L' || lpad(n::text, 9, '0'), %s, %s, '楼道堆物', %s,
                   36 + (n %% 1000) / 10000.0, 120 + (n %% 997) / 10000.0, '九水东路', false, '',
                   'routed', (%s::bigint[])[n %% 4 + 1], now() - (n || ' seconds')::interval,
                   now() + interval '24 hours' - (n || ' seconds')::interval, false, 0, 0, '',
                   now() - (n || ' seconds')::interval, now(), 2, 0
            FROM generate_series(1, %s) AS n
            """,
            [
                rider.pk,
                category().pk,
                rider.district_id,
                [department.pk for department in departments],
                count,
            ],
        )
        cursor.execute("ANALYZE governance_report")
    # The detail read: a report with its photo and its timeline, as a routed report has.
    report = Report.objects.get(public_id="L000000004")
    ReportPhoto.objects.create(report=report, position=1, image="bench/p.jpg", thumbnail="t.jpg")
    ReportEvent.objects.create(report=report, kind="submitted", to_status="submitted")
    ReportEvent.objects.create(
        report=report,
        kind="routed",
        from_status="submitted",
        to_status="routed",
        department=report.department,
    )
    _token, key = token_issue(label="bench", department=report.department)
    connection.close()
    return {"key": key, "department": report.department_id, "report": report.public_id}


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {port} did not start")


def check(url: str, token: str | None) -> None:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, (url, response.status)


def write_docs(text: str) -> None:
    docs = DOCS.read_text()
    start = docs.index(HEADING)
    end = docs.find("\n## ", start + 1)
    DOCS.write_text(docs[:start] + text + (docs[end:] if end != -1 else "\n"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    env = production_env(
        database_url=fresh_database(DB_NAME),
        redis_url=REDIS,
        DJANGO_SETTINGS_MODULE="bench.floor_settings",
        # The real throttle on every request, with a limit this run never reaches.
        API_RATE_LIMIT="100000000/minute",
    )
    django_setup(**env)
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    data = load_reports(args.reports)
    servers = [
        gunicorn_start(port=PORT, env=env),
        gunicorn_start(port=PORT_NO_THROTTLE, env={**env, "BENCH_THROTTLE": "off"}),
    ]
    base, bare = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{PORT_NO_THROTTLE}"
    key, department, report = data["key"], data["department"], data["report"]
    endpoints = [
        (
            "department list `/api/v1/reports/` (50)",
            (f"{base}/api/v1/reports/", key),
            (f"{base}/api/floor/{department}/reports/", None),
        ),
        (
            "report detail `/api/v1/reports/<id>/`",
            (f"{base}/api/v1/reports/{report}/", key),
            (f"{base}/api/floor/{department}/reports/{report}/", None),
        ),
        (
            "Open311 `requests.json?page_size=50`",
            (f"{base}/open311/v2/requests.json?page_size=50", None),
            (f"{base}/api/floor/requests.json", None),
        ),
    ]
    rows, throttle = [], []
    load = [os.getloadavg()[0]]
    try:
        wait_for(PORT)
        wait_for(PORT_NO_THROTTLE)
        lua = wrk_script()
        for _label, a, b in endpoints:
            for url, token in (a, b):
                check(url, token)
                wrk(url, 10, 2, token, lua)  # warm both workers up
        list_bare = (f"{bare}/api/v1/reports/", key)
        check(*list_bare)
        wrk(list_bare[0], 10, 2, key, lua)
        for connections in (10, 50):
            for label, a, b in endpoints:
                result = interleaved(
                    a,
                    b,
                    connections=connections,
                    rounds=args.rounds,
                    seconds=args.seconds,
                    script=lua,
                )
                rows.append((label, connections, result))
                print(label, connections, result, flush=True)
        for connections in (10, 50):
            result = interleaved(
                endpoints[0][1],
                list_bare,
                connections=connections,
                rounds=args.rounds,
                seconds=args.seconds,
                script=lua,
            )
            throttle.append((connections, result))
            print("throttle", connections, result, flush=True)
        load.append(os.getloadavg()[0])
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
        drop_database(DB_NAME)
    args.load = load
    text = report_text(args, rows, throttle)
    print(text)
    if not args.no_write:
        write_docs(text)


def report_text(args, rows, throttle) -> str:
    lines = [
        f"{HEADING} against a bare-Django floor (`bench/api_floor.py`)",
        "",
        f"{args.reports:,} routed reports over 4 departments in PostgreSQL, Redis cache, one "
        "gunicorn with 2 sync workers and `DEBUG=0` serving both the project and the floor: bare "
        "Django views (`bench/floor_urls.py`, mounted only by `bench/floor_settings.py`) that "
        "return the same rows in the same order and page size with one `.values()` query and "
        "`JsonResponse`, under the same settings and middleware, without authentication. wrk "
        f"(2 threads, {args.seconds} s per run) loads project and floor in turn, {args.rounds} "
        "rounds alternating which goes first; requests/s are the rounds' mean, p99 their "
        f"median ({time.strftime('%Y-%m-%d')}, 2 cores shared with wrk and with other work: load "
        f"average {args.load[0]:.1f} at the start, {args.load[-1]:.1f} at the end, so the "
        "absolute figures are low and only the ratios, measured side by side, carry). The API "
        "token's rate limit is raised, not removed: the throttle runs on every request. "
        "Re-run: `make bench` or `.venv/bin/python bench/api_floor.py`. Target (issue 18): "
        "ratio ≥ 0.6 at 10 and 50 connections, p99 at 10 connections < 3× the floor's.",
        "",
        "| endpoint | conns | project req/s | floor req/s | ratio | project p99 ms | "
        "floor p99 ms | p99 × floor | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, connections, r in rows:
        a, b = r["a"], r["b"]
        lines.append(
            f"| {label} | {connections} | {a['rps']:.0f} | {b['rps']:.0f} | "
            f"**{a['rps'] / b['rps']:.2f}** | {a['p99']:.1f} | {b['p99']:.1f} | "
            f"{a['p99'] / b['p99']:.1f} | {a['errors'] + b['errors']:.0f} |"
        )
    lines += [
        "",
        "The throttle's own cost: the department list with the normal throttle configuration "
        "(a fixed-window counter, one Redis round trip; the limit raised so that it never "
        "trips) against a second gunicorn with the throttle removed, interleaved the same way.",
        "",
        "| conns | throttle on req/s | throttle off req/s | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for connections, r in throttle:
        a, b = r["a"], r["b"]
        lines.append(
            f"| {connections} | {a['rps']:.0f} | {b['rps']:.0f} | {a['rps'] / b['rps']:.2f} |"
        )
    lines += [
        "",
        "What made it so (issue 18). The list's scope, the reports a department leads OR "
        "assists with, was one statement that PostgreSQL answered by reading and sorting every "
        "report of the department for each page; it is now two parts, each an index range of "
        "one page, merged in one UNION ALL (`api/selectors.py`, `api/pagination.py`). The hot "
        "reads are prepared: the ORM query is compiled once per process and shape, later "
        "requests only bind values (`core/prepared.py`; building the SQL was most of the "
        "detail's cost). Rows come from `.values()` through a plain formatter (`api/rows.py`, "
        "held equal to the serializers, which still define the schema, by "
        "`tests/api/test_rows.py`); the detail reads photos, evidence and timeline in one query, "
        "checks and questions only when the report has any. The token → department lookup is "
        "cached per process and checked against a revocation counter in Redis once a second "
        "(docs/api.md). The throttle is a fixed window: one pipelined `SET NX` + `INCR`, where "
        "DRF's read and wrote a pickled list of every request's time. Open311 rows are one "
        "prepared statement with the names and first photo joined, status labels resolved once "
        "per language.",
        "",
        "Before (2026-11-28, the former `bench/api_load.py`, one department, no floor): the list "
        "served 190 req/s at 10 clients and 163 at 50, Open311 178 and 196; an index on "
        "`(department, due_at, id)` had taken the list from 15 req/s. Measured against the "
        "floor before this work: 0.27× (list), 0.20× (detail), 0.26× (Open311) at 10 "
        "connections, 0.28 / 0.20 / 0.28 at 50.",
        "",
    ]
    # Paragraphs wrapped as the rest of the file; tables as they are.
    wrapped = [line if line.startswith(("|", "#")) else textwrap.fill(line, 96) for line in lines]
    return "\n".join(wrapped)


if __name__ == "__main__":
    main()
