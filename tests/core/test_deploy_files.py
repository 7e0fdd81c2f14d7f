"""docker-compose.yml, Dockerfile and .ci/run agree with the settings module."""

import os
import re
import shutil
import subprocess

import yaml

from riders_portal import settings as project_settings
from tests.conftest import ROOT, require_service

COMPOSE = ROOT / "docker-compose.yml"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_the_production_stack():
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "worker",
        "worker-urgent",  # urgent webhook pages only (WEBHOOK_URGENT_QUEUE)
        "beat",
    }
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    urgent = services["worker-urgent"]["command"]
    assert "worker" in urgent and urgent[urgent.index("--queues") + 1] == "urgent"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    volumes = compose()["volumes"]
    assert {"pgdata", "media"} <= set(volumes)


def test_migrations_run_once_before_web_worker_and_beat_start():
    services = compose()["services"]
    assert "migrate" in services["migrate"]["command"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "worker-urgent", "beat"):
        assert "migrate" not in " ".join(services[name]["command"]), name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name


def test_beat_health_check_checks_beat_itself():
    test = " ".join(compose()["services"]["beat"]["healthcheck"]["test"])
    assert "beat_health" in test
    assert "redis" not in test.lower()


def test_compose_has_no_default_password_and_no_console_sms():
    text = COMPOSE.read_text()
    assert "POSTGRES_PASSWORD:-" not in text
    assert "POSTGRES_PASSWORD:?" in text
    assert "ConsoleSMSSender" not in text
    assert "SMS_SENDER:?" in text


def test_production_image_installs_only_the_runtime_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile
    assert "requirements-dev" not in dockerfile
    runtime = (ROOT / "requirements.lock").read_text().lower()
    for tool in ("pytest", "playwright", "ruff", "schemathesis", "hypothesis", "factory"):
        assert tool not in runtime, f"{tool} is in the runtime lock"
    dev = (ROOT / "requirements-dev.lock").read_text()
    assert "-r requirements.lock" in dev
    assert "pytest==" in dev


def test_compose_sets_every_variable_production_needs():
    for name in ("web", "worker", "beat"):
        env = compose()["services"][name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(env)
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")


def test_every_variable_compose_sets_is_read_by_the_settings():
    source = (ROOT / "riders_portal/settings.py").read_text()
    read = set(re.findall(r'env\w*\(\s*"([A-Z_]+)"', source)) | set(
        re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', source)
    )
    for name in ("web", "worker", "beat"):
        for variable in compose()["services"][name]["environment"]:
            assert variable in read, f"{variable} is set in compose but unused by settings"
    assert project_settings.CELERY_BEAT_SCHEDULER in " ".join(
        compose()["services"]["beat"]["command"]
    )


def test_compose_file_is_valid_for_docker_compose():
    binary = shutil.which("docker-compose")
    require_service(binary is not None, "docker-compose (to validate docker-compose.yml)")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "-q"],
        env={
            **os.environ,
            "SECRET_KEY": "validation-only",
            "POSTGRES_PASSWORD": "validation-only",
            "SMS_SENDER": "riders.sms.LocmemSMSSender",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_ci_runs_make_test_on_real_services():
    script = (ROOT / ".ci/run").read_text()
    assert "make test" in script
    for needed in ("DATABASE_URL", "REDIS_URL", "REQUIRE_SERVICES=1", "chromium"):
        assert needed in script
