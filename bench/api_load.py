"""Benchmark: the department list endpoint and Open311 requests.json over 100,000 reports,
PostgreSQL + Redis, under gunicorn, loaded by wrk at 10 and 50 concurrent clients.

Needs `wrk` (apt-get install wrk). The per-token rate limit is lifted for the run.
Superseded in `make bench` by bench/api_floor.py (the same endpoints against a bare-Django floor).

    .venv/bin/python bench/api_load.py [--reports 100000] [--seconds 10]
"""

import argparse
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchdb import (
    django_setup,
    drop_database,
    fresh_database,
    gunicorn_start,
    production_env,
)

DB_NAME = "riders_portal_bench_api"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3")
PORT = 8765
PERCENTILES = """
done = function(summary, latency, requests)
  for _, p in pairs({50, 95, 99}) do
    io.write(string.format("p%d %.2f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("rps %.1f\\n", summary.requests / (summary.duration / 1e6)))
  local e = summary.errors
  io.write(string.format("errors %d\\n", e.status + e.connect + e.read + e.timeout))
end
"""


def wrk(url: str, connections: int, seconds: int, token: str | None, script: Path) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script)]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in re.findall(r"^(p\d+|rps|errors) ([\d.]+)$", output, re.M)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    env = production_env(
        database_url=fresh_database(DB_NAME),
        redis_url=REDIS,
        API_RATE_LIMIT="100000000/minute",
    )
    django_setup(**env)
    from django.core.management import call_command
    from django.db import connection

    from api.services import token_issue
    from tests.factories import DepartmentFactory, RiderFactory, category

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    rider, department = RiderFactory(), DepartmentFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO governance_report (
                public_id, rider_id, category_id, description, district_id, latitude, longitude,
                address, location_approximate, media_url, status, department_id, routed_at,
                due_at, is_overdue, escalation_level, supporter_count, reply, created_at,
                updated_at)
            SELECT 'L' || lpad(n::text, 9, '0'), %s, %s, '楼道堆物', %s,
                   36 + (n %% 1000) / 10000.0, 120 + (n %% 997) / 10000.0, '九水东路', false, '',
                   'routed', %s, now() - (n || ' seconds')::interval,
                   now() + interval '24 hours' - (n || ' seconds')::interval, false, 0, 0, '',
                   now() - (n || ' seconds')::interval, now()
            FROM generate_series(1, %s) AS n
            """,
            [rider.pk, category().pk, rider.district_id, department.pk, args.reports],
        )
        cursor.execute("ANALYZE governance_report")
    _token, key = token_issue(label="bench", department=department)
    connection.close()
    gunicorn = gunicorn_start(port=PORT, env=env)
    rows = []
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(PERCENTILES)
        targets = [
            ("`GET /api/v1/reports/`", f"http://127.0.0.1:{PORT}/api/v1/reports/", key),
            (
                "`GET /open311/v2/requests.json`",
                f"http://127.0.0.1:{PORT}/open311/v2/requests.json?page_size=50",
                None,
            ),
        ]
        for label, url, token in targets:
            for connections in (10, 50):
                result = wrk(url, connections, args.seconds, token, Path(script.name))
                rows.append((label, connections, result))
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        drop_database(DB_NAME)
    print(f"{args.reports:,} reports, gunicorn 2 workers, wrk {args.seconds} s per run")
    print("| endpoint | clients | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, connections, r in rows:
        print(
            f"| {label} | {connections} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']:.0f} |"
        )


if __name__ == "__main__":
    main()
