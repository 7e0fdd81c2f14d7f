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


def gunicorn_start(*, port: int, env: dict[str, str], workers: int = 2) -> subprocess.Popen:
    """gunicorn with `workers` sync workers on 127.0.0.1:`port`, as in production."""
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
        cwd=ROOT,
        env=env,
    )


def django_setup(**env: str) -> None:
    """Boot Django in this process with these environment variables."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riders_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
