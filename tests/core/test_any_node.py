"""Any web node answers any request (issue 19): two real gunicorn nodes on one database and one
media directory, as docker-compose.yml's web1 and web2 behind the balancer.

A rider signed in through node 1 is signed in on node 2 (the session is a database row, not a
node's memory), and signed out everywhere once signed out on one; a photo filed through node 1,
with the form node 2 served (the CSRF token is the cookie's, not a node's), is served by node 2
from the shared media and still only to its reporter.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests

from tests.conftest import ROOT, _database_url_for_worker
from tests.factories import RiderFactory, category, jpeg_bytes
from tests.riders import sms_gateways as gw

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_nodes(transactional_db, tmp_path):
    """Two gunicorn nodes (1 sync worker each) on the test database and one MEDIA_ROOT; the
    SMS gateway is the tests' local Aliyun stand-in. Yields (node 1 URL, node 2 URL, gateway)."""
    from django.db import connection

    gateway, server = gw.start("aliyun")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(connection.settings_dict),
        "MEDIA_ROOT": str(tmp_path / "media"),  # compose's shared `media` volume
        "VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "1",  # routing and the SMS run in the request
        "DB_CONN_MAX_AGE": "0",
        **gw.environment_for("aliyun", gateway.url),
    }
    ports = [free_port(), free_port()]
    nodes = [
        subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "gunicorn"), "riders_portal.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            for _ in range(300):  # a busy machine: the first request loads Django
                try:
                    if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            else:
                pytest.fail(f"{url} did not start")
        yield urls[0], urls[1], gateway
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(15)
        server.shutdown()


def form_token(phone: requests.Session, url: str) -> str:
    page = phone.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF.search(page.text).group(1)


def code_sent(gateway: gw.Gateway) -> str:
    received = gateway.requests[-1]
    params = {**received.query, **dict(parse_qsl(received.body.decode()))}
    return json.loads(params["TemplateParam"])["code"]


def test_a_rider_and_their_photo_are_the_same_on_either_node(two_nodes):
    node1, node2, gateway = two_nodes
    rider = RiderFactory()
    phone = requests.Session()

    # Signed in through node 1 …
    response = phone.post(
        f"{node1}/sign-in/",
        data={"csrfmiddlewaretoken": form_token(phone, f"{node1}/sign-in/"), "phone": rider.phone},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    response = phone.post(
        f"{node1}/sign-in/code/",
        data={
            "csrfmiddlewaretoken": form_token(phone, f"{node1}/sign-in/code/"),
            "code": code_sent(gateway),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    # … is signed in on node 2.
    for path in ("/", "/me/", "/reports/"):
        page = phone.get(f"{node2}{path}", allow_redirects=False, timeout=10)
        assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))

    # A photo: node 2's form, filed through node 1, served by node 2.
    response = phone.post(
        f"{node1}/report/",
        data={
            "csrfmiddlewaretoken": form_token(phone, f"{node2}/report/"),
            "category": str(category().pk),
            "description": "楼道里堆满了纸箱，挡住了消防通道。",
            "district": str(rider.district_id),
            "address": "李沧区九水东路 100 号",
            "latitude": "36.160000",
            "longitude": "120.430000",
        },
        files={"photos": ("photo.jpg", jpeg_bytes(size=(640, 480)), "image/jpeg")},
        headers={"X-Requested-With": "fetch"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    photo = f"/reports/{response.json()['id']}/photos/1/"
    from_node2 = phone.get(f"{node2}{photo}", timeout=10)
    from_node1 = phone.get(f"{node1}{photo}", timeout=10)
    assert from_node2.status_code == from_node1.status_code == 200
    assert from_node2.headers["Content-Type"].startswith("image/")
    assert from_node2.content == from_node1.content and len(from_node2.content) > 1000
    # Still the reporter's only, on the other node too.
    assert requests.get(f"{node2}{photo}", timeout=10).status_code == 404

    # Signed out on node 2: signed out on node 1.
    response = phone.post(
        f"{node2}/sign-out/",
        data={"csrfmiddlewaretoken": form_token(phone, f"{node2}/me/")},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    home = phone.get(f"{node1}/me/", allow_redirects=False, timeout=10)
    assert home.status_code == 302 and "/sign-in/" in home.headers["Location"]
