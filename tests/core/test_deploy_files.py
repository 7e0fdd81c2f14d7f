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


WEB_NODES = ("web1", "web2")
WORKER_NODES = ("worker-reports", "worker-notify")
APP_SERVICES = (*WEB_NODES, *WORKER_NODES, "beat")
HAPROXY = ROOT / "deploy/haproxy.cfg"


def command_of(service: dict) -> list[str]:
    return service["command"]


def option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_compose_runs_the_production_stack():
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "postgres-replica",
        "redis",
        "migrate",
        "lb",
        *WEB_NODES,
        *WORKER_NODES,
        "beat",
    }
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    for name in WEB_NODES:
        assert "gunicorn" in services[name]["command"], name
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"]), name
    for name in WORKER_NODES:
        assert "worker" in services[name]["command"], name
    assert "beat" in services["beat"]["command"]
    volumes = compose()["volumes"]
    assert {"pgdata", "pgreplica", "media"} <= set(volumes)


def haproxy_backend_servers() -> list[tuple[str, str]]:
    return re.findall(r"^\s*server\s+(\S+)\s+(\S+)", HAPROXY.read_text(), re.M)


def test_two_web_nodes_behind_the_balancer_checked_on_healthz():
    services = compose()["services"]
    balancer = services["lb"]
    assert "haproxy" in balancer["image"]
    assert any("deploy/haproxy.cfg" in volume for volume in balancer["volumes"])
    assert set(balancer["depends_on"]) == set(WEB_NODES)
    # Each web node serves on 8000 and only the balancer reaches it: nothing published.
    servers = haproxy_backend_servers()
    assert sorted(address for _name, address in servers) == [f"{n}:8000" for n in WEB_NODES]
    for name in WEB_NODES:
        assert option(command_of(services[name]), "--bind") == "0.0.0.0:8000"
        assert "ports" not in services[name], f"{name} is published past the balancer"
    config = HAPROXY.read_text()
    assert re.search(r"^\s*option httpchk", config, re.M)
    assert re.search(r"http-check send meth GET uri /healthz", config)
    assert all(
        " check" in line for line in config.splitlines() if line.strip().startswith("server")
    )
    # The health check is exempt from the HTTPS redirect, at the balancer and in Django.
    assert "{ path /healthz }" in config
    assert any(re.match(pattern, "healthz") for pattern in project_settings.SECURE_REDIRECT_EXEMPT)


def test_the_web_nodes_trust_exactly_the_balancer():
    services = compose()["services"]
    for name in APP_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXY_COUNT"] == "1", name
    config = HAPROXY.read_text()
    assert "option forwardfor" in config  # appends the address it saw: the one hop trusted
    assert "X-Forwarded-Proto" in config
    # Set only with DEBUG off (production), so read from the module's source.
    source = (ROOT / "riders_portal/settings.py").read_text()
    assert 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")' in source


def test_two_worker_nodes_consume_every_queue_each_kind_on_one_node():
    services = compose()["services"]
    consumed: dict[str, list[str]] = {}
    for name in WORKER_NODES:
        command = command_of(services[name])
        queues = option(command, "--queues")
        assert queues, f"{name} names no queues (it would take every queue)"
        assert "--beat" not in command and "-B" not in command, f"{name} runs beat"
        hostname = option(command, "--hostname")
        assert hostname and hostname.split("@")[0] in " ".join(
            services[name]["healthcheck"]["test"]
        )
        for queue in queues.split(","):
            consumed.setdefault(queue, []).append(name)
    assert set(consumed) == set(project_settings.CELERY_ALL_QUEUES)
    assert all(len(nodes) == 1 for nodes in consumed.values()), consumed
    assert consumed[project_settings.CELERY_KIND_QUEUES["reports"]] == ["worker-reports"]
    assert consumed[project_settings.WEBHOOK_URGENT_QUEUE] == ["worker-reports"]
    assert consumed[project_settings.CELERY_KIND_QUEUES["notify"]] == ["worker-notify"]
    assert consumed[project_settings.CELERY_TASK_DEFAULT_QUEUE] == ["worker-notify"]


def test_beat_runs_exactly_once():
    services = compose()["services"]
    running_beat = [
        name
        for name, service in services.items()
        if "beat" in (service.get("command") or [])
        or "--beat" in (service.get("command") or [])
        or "-B" in (service.get("command") or [])
    ]
    assert running_beat == ["beat"]
    assert "deploy" not in services["beat"] and "scale" not in services["beat"]


def test_the_replica_is_a_base_backup_of_the_primary_and_web_reads_it():
    services = compose()["services"]
    replica = services["postgres-replica"]
    assert replica["depends_on"]["postgres"] == {"condition": "service_healthy"}
    script = (ROOT / "deploy/postgres/replica-entrypoint.sh").read_text()
    assert re.search(r"pg_basebackup[^\n]*(\\\n[^\n]*)*-R -X stream", script)
    assert "hot_standby=on" in script
    assert any("replica-entrypoint.sh" in v for v in replica["volumes"])
    init = (ROOT / "deploy/postgres/primary-init.sh").read_text()
    assert "REPLICATION" in init and "host replication replicator" in init
    assert any("docker-entrypoint-initdb.d" in v for v in services["postgres"]["volumes"])
    for name in WEB_NODES:
        env = services[name]["environment"]
        assert "@postgres-replica:5432/riders_portal" in env["DATABASE_REPLICA_URL"]
        assert "@postgres:5432/riders_portal" in env["DATABASE_URL"]
    assert "pg_is_in_recovery" in " ".join(replica["healthcheck"]["test"])


def test_web_and_worker_nodes_share_the_media_volume():
    services = compose()["services"]
    media = "media:/app/var/media"
    for name in APP_SERVICES:
        assert media in services[name]["volumes"], name
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "VAR_DIR=/app/var" in dockerfile  # MEDIA_ROOT is VAR_DIR/media


def test_haproxy_config_is_valid(tmp_path):
    binary = shutil.which("haproxy")
    require_service(binary is not None, "haproxy (to validate deploy/haproxy.cfg)")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=x"),
            *("-days", "1", "-keyout", str(tmp_path / "key"), "-out", str(tmp_path / "cert")),
        ],
        check=True,
        capture_output=True,
    )
    (certs / "portal.pem").write_bytes(
        (tmp_path / "cert").read_bytes() + (tmp_path / "key").read_bytes()
    )
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY.read_text().replace("/etc/haproxy/certs/", f"{certs}/"))
    result = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_run_once_before_web_worker_and_beat_start():
    services = compose()["services"]
    assert "migrate" in services["migrate"]["command"]
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES:
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
    assert "POSTGRES_REPLICATION_PASSWORD:-" not in text
    assert "POSTGRES_REPLICATION_PASSWORD:?" in text
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
    for name in APP_SERVICES:
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
    for name in APP_SERVICES:
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
            "PHONE_ENCRYPTION_KEYS": "validation-only",
            "PHONE_LOOKUP_KEYS": "validation-only",
            "POSTGRES_PASSWORD": "validation-only",
            "POSTGRES_REPLICATION_PASSWORD": "validation-only",
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
