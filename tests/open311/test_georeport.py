"""Open311 GeoReport v2 through a real HTTP server: services and requests, JSON and XML."""

import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest

from api.services import token_issue
from governance import workflow
from governance.models import Report, RoutingRule
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, category

pytestmark = pytest.mark.django_db(transaction=True)


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def post(url: str, data: dict):
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def base(live_server):
    return f"{live_server.url}/open311/v2"


def test_discovery_and_services_in_json_and_xml(base):
    status, kind, body = get(f"{base}/discovery.json")
    assert status == 200 and json.loads(body)["endpoints"][0]["type"] == "production"
    status, kind, body = get(f"{base}/services.json")
    services = json.loads(body)
    assert status == 200 and kind.startswith("application/json") and isinstance(services, list)
    fire = next(s for s in services if s["service_code"] == "fire-hazard")
    assert fire["group"] == "平安建设观察员" and fire["type"] == "realtime"
    status, kind, body = get(f"{base}/services.xml")
    root = ET.fromstring(body)
    assert kind.startswith("text/xml") and root.tag == "services"
    assert "fire-hazard" in [s.findtext("service_code") for s in root.findall("service")]
    status, _kind, body = get(f"{base}/services/fire-hazard.xml")
    assert status == 200 and ET.fromstring(body).findtext("service_code") == "fire-hazard"


def test_post_then_read_a_request(base):
    rider = RiderFactory(rider_number="QD555001", name="保密的名字", phone="13955550001")
    department = DepartmentFactory(name="消防支队")
    RoutingRule.objects.create(category=category("fire-hazard"), department=department)
    _token, key = token_issue(label="rider app", integration=True)
    status, body = post(
        f"{base}/requests.json",
        {
            "api_key": key,
            "service_code": "fire-hazard",
            "lat": "36.1451",
            "long": "120.4329",
            "description": "楼道里给电动车充电",
            "account_id": "QD555001",
            "media_url": "https://example.org/p.jpg",
        },
    )
    assert status == 201, body
    [created] = json.loads(body)
    report = Report.objects.get(public_id=created["service_request_id"])
    assert report.rider == rider and report.district.name == "李沧区"
    status, _kind, body = get(f"{base}/requests/{report.public_id}.json")
    [row] = json.loads(body)
    assert row["service_code"] == "fire-hazard" and row["status"] == "open"
    assert row["agency_responsible"] == "消防支队"  # routed on commit (tasks run inline here)
    assert row["expected_datetime"] and "+08:00" in row["requested_datetime"]
    text = body.decode()
    assert "保密的名字" not in text and "13955550001" not in text and "QD555001" not in text
    status, _kind, body = get(f"{base}/requests/{report.public_id}.xml")
    request_xml = ET.fromstring(body).find("request")
    assert request_xml.findtext("service_request_id") == report.public_id
    status, _kind, body = get(f"{base}/tokens/{report.public_id}.json")
    assert json.loads(body)[0]["service_request_id"] == report.public_id


def test_requests_filters(base):
    department = DepartmentFactory()
    open_one = workflow.route(
        ReportFactory(category=category("fire-hazard")), department=department
    )
    closed = workflow.resolve(
        workflow.route(ReportFactory(latitude=36.5), department=department),
        department=department,
        reply="done",
    )

    def ids(query: str) -> list[str]:
        rows = json.loads(get(f"{base}/requests.json?{query}")[2])
        return [r["service_request_id"] for r in rows]

    assert set(ids("")) == {open_one.public_id, closed.public_id}
    assert ids("status=open") == [open_one.public_id]
    assert ids("status=closed") == [closed.public_id]
    assert ids("service_code=fire-hazard") == [open_one.public_id]
    assert ids(f"service_request_id={closed.public_id}&status=open") == [closed.public_id]
    assert ids("start_date=2999-01-01T00:00:00Z") == []
    assert len(ids("page_size=1")) == 1
    _status, _kind, body = get(f"{base}/servicerequestupdates.json")
    statuses = {u["status"] for u in json.loads(body)}
    assert "FIXED" in statuses


def test_errors_in_the_specs_shape(base):
    status, _kind, body = get(f"{base}/services/nope.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404
    status, _kind, body = get(f"{base}/requests/RNOPE12345.xml")
    assert status == 404 and ET.fromstring(body).tag == "errors"
    status, body = post(f"{base}/requests.json", {"service_code": "fire-hazard"})
    assert status == 403 and "api_key" in json.loads(body)[0]["description"]
    _token, key = token_issue(label="app", integration=True)
    status, body = post(f"{base}/requests.json", {"api_key": key, "service_code": "fire-hazard"})
    assert status == 400
    status, _kind, body = get(f"{base}/requests.json?status=maybe")
    assert status == 400
    status, _kind, body = get(f"{base}/requests.json?start_date=yesterday")
    assert status == 400


@pytest.mark.parametrize("path", ["/open311/v2/requests.json", "/open311/v2/services.xml"])
def test_constant_queries_at_1_and_100_rows(client, path, django_assert_max_num_queries):
    department = DepartmentFactory()
    # The departments' figures in service_notice are a cached scorecard (constant queries
    # too, tests/open311/test_service_notice.py): fill the cache, so this counts the rows' cost.
    workflow.route(ReportFactory(latitude=29), department=department)
    client.get(path)
    created = 0
    for size in (1, 100):
        for n in range(created, size):
            workflow.route(ReportFactory(latitude=30 + n / 100), department=department)
        created = size
        with django_assert_max_num_queries(4):
            assert client.get(path).status_code == 200
