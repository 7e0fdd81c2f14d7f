"""Production settings: `check --deploy` is clean, and a missing SECRET_KEY stops the start."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "production-like-secret-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "riders.qingdao.example",
    "CSRF_TRUSTED_ORIGINS": "https://riders.qingdao.example",
    "PHONE_ENCRYPTION_KEYS": "phone-key-2026",
    "PHONE_LOOKUP_KEYS": "lookup-key-2026",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_defaults_to_a_working_development_setup():
    result = manage("check", env={})
    assert result.returncode == 0, result.stderr


def test_production_without_its_own_phone_keys_is_warned():
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("PHONE_")}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "riders.W001" in result.stdout + result.stderr
