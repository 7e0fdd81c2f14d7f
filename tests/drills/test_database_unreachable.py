"""Drill: PostgreSQL becomes unreachable for a second web process (gunicorn, DEBUG=0)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from api.services import token_issue
from tests.conftest import ROOT, require_service
from tests.drills.conftest import TcpProxy, free_port, wait_for_port
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.drill


def fetch(url: str, headers: dict | None = None) -> tuple[int, str, dict, float]:
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body, head = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, body, head = error.code, error.read(), dict(error.headers)
    return status, body.decode("utf-8", "replace"), head, time.monotonic() - started


@pytest.fixture
def web_process(transactional_db):
    """gunicorn serving the test database through a TCP proxy the drill can cut."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings = connection.settings_dict
    proxy = TcpProxy(int(settings.get("PORT") or 5432), settings.get("HOST") or "127.0.0.1")
    proxy.start()
    port = free_port()
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{password}@127.0.0.1:{proxy.port}/{settings['NAME']}",
        "DEBUG": "0",
        "SECRET_KEY": "drill-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SMS_SENDER": "riders.sms.LocmemSMSSender",
        "DB_CONN_MAX_AGE": "60",  # as in production: the cut hits a persistent connection
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "riders_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, timeout=30)
    except TimeoutError:
        process.kill()
        pytest.fail("gunicorn did not start:\n" + process.communicate(timeout=10)[0])
    try:
        yield f"http://127.0.0.1:{port}", proxy
    finally:
        proxy.stop()
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_unreachable_database_gives_fast_503s_in_each_interfaces_shape_and_recovers(
    web_process, drill_record
):
    """PostgreSQL cut off from a second web process: /healthz answers 503 in under a second, the
    API a JSON 503 and Open311 its own 503 error, rider pages the friendly 503 page, never an
    HTML 500; the process serves again as soon as the database is reachable.
    """
    base, proxy = web_process
    _token, key = token_issue(label="drill officer", department=DepartmentFactory())
    api = {"Authorization": f"Token {key}"}
    assert fetch(f"{base}/healthz")[0] == 200
    assert fetch(f"{base}/api/v1/reports/", api)[0] == 200

    proxy.stop()
    health = fetch(f"{base}/healthz")
    reports = fetch(f"{base}/api/v1/reports/", api)
    open311 = fetch(f"{base}/open311/v2/services.json")
    page = fetch(f"{base}/", {"Cookie": "sessionid=" + "a" * 32})
    answers = [health, reports, open311, page]

    assert health[0] == 503 and json.loads(health[1])["database"] == "down"
    assert health[3] < 1, f"/healthz took {health[3]:.2f} s"
    assert reports[0] == 503 and reports[2]["Content-Type"] == "application/json"
    assert json.loads(reports[1])["error"]["code"] == "unavailable"
    assert open311[0] == 503 and json.loads(open311[1])[0]["code"] == 503
    assert page[0] == 503 and "暂时无法服务" in page[1]
    assert all(a[3] < 1 for a in answers), [round(a[3], 2) for a in answers]

    proxy.start()
    back = time.monotonic()
    while fetch(f"{base}/healthz")[0] != 200:
        assert time.monotonic() - back < 10, "the web process did not recover"
        time.sleep(0.1)
    recovered = time.monotonic() - back
    assert fetch(f"{base}/api/v1/reports/", api)[0] == 200
    drill_record(
        load="a second gunicorn web process (DEBUG=0) serving /healthz, the API, Open311, Home",
        fault="TCP proxy to PostgreSQL closed: the persistent connection cut, new ones refused",
        requests=len(answers),
        server_errors=sum(1 for a in answers if a[0] >= 500 and a[0] != 503),
        healthz_503_ms=round(health[3] * 1000),
        max_ms=round(max(a[3] for a in answers) * 1000),
        lost=0,
        duplicated=0,
        recover_s=round(recovered, 2),
    )
