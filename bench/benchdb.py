"""Shared by the bench scripts: throwaway PostgreSQL databases and booting Django in-process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{SERVER}/postgres", "-qc", sql], check=True)


def fresh_database(name: str) -> str:
    """Drop and create `name`; return its DATABASE_URL."""
    drop_database(name)
    psql(f"CREATE DATABASE {name}")
    return f"{SERVER}/{name}"


def drop_database(name: str) -> None:
    psql(f"DROP DATABASE IF EXISTS {name}")


def production_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like server (DEBUG=0) on these services."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "riders_portal.settings",
        **extra,
    }


def gunicorn_start(
    *, port: int, env: dict[str, str], workers: int = 2, cwd: Path = ROOT
) -> subprocess.Popen:
    """gunicorn with `workers` sync workers on 127.0.0.1:`port`, as in production; `cwd`: the
    tree it serves (another checkout, to measure the code before a change side by side)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "riders_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env=env,
    )


# wrk's report as lines the benches parse: p50/p95/p99 in ms, requests/s, errors of any kind.
WRK_LUA = """
done = function(summary, latency, requests)
  for _, p in pairs({50, 95, 99}) do
    io.write(string.format("p%d %.2f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("rps %.1f\\n", summary.requests / (summary.duration / 1e6)))
  local e = summary.errors
  io.write(string.format("errors %d\\n", e.status + e.connect + e.read + e.timeout))
end
"""


def wrk_script() -> Path:
    """WRK_LUA in a file, for wrk's -s."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA)
    return Path(script.name)


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    script: Path,
    threads: int = 2,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """One wrk run against `url`: {"p50": ms, "p95": ms, "p99": ms, "rps": …, "errors": …}."""
    import re

    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in re.findall(r"^(p\d+|rps|errors) ([\d.]+)$", output, re.M)}


def django_setup(**env: str) -> None:
    """Boot Django in this process with these environment variables."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riders_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
