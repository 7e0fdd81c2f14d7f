"""Open311: every input the security review saw crash the server (DataError, OverflowError, a
bigint out of range, NUL bytes, NaN) answers 400 in the standard's error list, in JSON and XML."""

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from api.services import token_issue
from governance.models import Report
from tests.factories import ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db

BAD_QUERIES = [
    # PostgreSQL refuses offsets beyond ±15:59 (DataError)
    "requests.{fmt}?start_date=2026-11-01T00:00:00%2B23:00",
    "requests.{fmt}?end_date=2026-11-01T00:00:00-15:30",
    "servicerequestupdates.{fmt}?start_date=2026-11-01T00:00:00%2B23:00",
    # 90 days before year 1 (OverflowError)
    "requests.{fmt}?end_date=0001-01-01T00:00:00Z",
    "requests.{fmt}?start_date=9999-12-31T23:59:59Z",
    "servicerequestupdates.{fmt}?end_date=0001-01-01T00:00:00Z",
    "requests.{fmt}?start_date=2026-02-30T00:00:00Z",
    # OFFSET beyond a bigint
    "requests.{fmt}?page=100000000000000000000",
    "requests.{fmt}?page_size=100000000000000000000",
    "requests.{fmt}?page=0",
    "requests.{fmt}?page=%D9%A3",  # an Arabic-Indic 3: int() takes it, we do not
    "servicerequestupdates.{fmt}?page=100000000000000000000",
    # NUL bytes (psycopg2: "A string literal cannot contain NUL")
    "requests.{fmt}?service_code=fire%00hazard",
    "requests.{fmt}?service_request_id=R%00X",
    "requests.{fmt}?status=open%00",
    "requests.{fmt}?%00=1",
    "requests/R%00X.{fmt}",
    "services/fire%00hazard.{fmt}",
    "tokens/R%00X.{fmt}",
]


def assert_spec_error(response, fmt: str, status: int = 400) -> str:
    assert response.status_code == status, response.content[:300]
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        [error] = json.loads(response.content)
        assert error["code"] == status and error["description"]
        return error["description"]
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.find("error").findtext("code") == str(status)
    return root.find("error").findtext("description")


@pytest.fixture
def client():
    # A 500 shows as a status here, not as an exception that hides which case it was.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_query_is_a_400_in_the_standards_shape(client, query, fmt):
    response = client.get("/open311/v2/" + query.format(fmt=fmt))
    # Path values a URL pattern does not match are 404s, also in the standard's shape.
    expected = 404 if query.startswith(("requests/", "services/", "tokens/")) else 400
    assert_spec_error(response, fmt, expected)


def test_the_message_says_what_is_wrong(client):
    def message(query: str) -> str:
        return assert_spec_error(
            client.get(f"/open311/v2/{query}", HTTP_ACCEPT_LANGUAGE="en"), "json"
        )

    assert "±14 hours" in message("requests.json?start_date=2026-11-01T00:00:00%2B23:00")
    assert "1900 and 2999" in message("requests.json?end_date=0001-01-01T00:00:00Z")
    assert "1 to 100000" in message("requests.json?page=100000000000000000000")
    assert "control character" in message("requests.json?service_code=a%00b")


def test_sane_dates_and_pages_still_work(client):
    report = ReportFactory()
    for query in (
        "start_date=2026-01-01T00:00:00%2B14:00",
        "start_date=2000-01-01T00:00:00-12:00",
        "start_date=1970-01-01T00:00:00Z&end_date=2999-12-31T23:59:59Z",
        "start_date=2026-01-01T00:00:00",  # naive: Asia/Shanghai
        "page=1&page_size=1000",
    ):
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, (query, response.content)
        assert [r["service_request_id"] for r in response.json()] == [report.public_id]
    assert client.get("/open311/v2/requests.json?page=100000").json() == []


@pytest.fixture
def post_data(db):
    RiderFactory(rider_number="QD555001")
    _token, key = token_issue(label="rider app", integration=True)
    return {
        "api_key": key,
        "service_code": "fire-hazard",
        "lat": "36.1451",
        "long": "120.4329",
        "description": "楼道里给电动车充电",
        "account_id": "QD555001",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_code", "fire-hazard\x00"),
        ("description", "楼道\x00充电"),
        ("address_string", "李沧区\x00"),
        ("account_id", "QD555001\x00"),
        ("media_url", "https://example.org/\x00.jpg"),
        ("description", "escape \x1b[31m"),
        ("lat", "NaN"),
        ("lat", "sNaN"),
        ("long", "-Infinity"),
        ("lat", "1e999999"),
        ("lat", "٣٦.١"),
        ("long", "NaN"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_post_is_a_400_and_files_nothing(client, post_data, field, value, fmt):
    response = client.post(f"/open311/v2/requests.{fmt}", {**post_data, field: value})
    assert_spec_error(response, fmt)
    assert not Report.objects.exists()


def test_control_characters_in_a_parameter_name_are_refused(client, post_data):
    response = client.post("/open311/v2/requests.json", {**post_data, "x\x00": "1"})
    assert_spec_error(response, "json")


def test_newlines_and_tabs_are_ordinary_text(client, post_data):
    text = "第一行\r\n第二行\t完"
    response = client.post("/open311/v2/requests.json", {**post_data, "description": text})
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == text


def test_a_malformed_body_is_a_400_in_the_standards_shape(client):
    response = client.generic(
        "POST",
        "/open311/v2/requests.json",
        b"--x\r\nContent-Disposition: form-data; name=",
        content_type="multipart/form-data; boundary=",
    )
    assert_spec_error(response, "json")


def test_unknown_paths_are_404_in_the_standards_shape(client):
    assert_spec_error(client.get("/open311/v2/nothing.xml"), "xml", 404)
    assert_spec_error(client.get("/open311/v2/requests.csv"), "json", 404)


def test_xml_never_carries_characters_xml_cannot_hold(client):
    # Stored before this guard (or typed in a rider form): it must not break the document.
    report = ReportFactory(description="bad \x0b char")
    response = client.get(f"/open311/v2/requests/{report.public_id}.xml")
    assert response.status_code == 200
    assert ET.fromstring(response.content).find("request").findtext("description") == (
        "bad \ufffd char"
    )


@pytest.mark.django_db
def test_an_unknown_path_with_control_characters_is_a_georeport_404(client):
    """Found by the fuzzer: a newline in the path slipped past the catch-all (HTML 404)."""
    response = client.get(
        "/open311/v2/tokens/%F0%AA%93%84%C3%A9Y%17.a%0Ab%0Dc%C2%85d%E2%80%A8g%0D%0Ai"
    )
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith(("application/json", "text/xml"))


@pytest.mark.django_db
def test_a_bad_status_is_refused_even_beside_a_list_of_ids(client):
    """The ids override the other filters, but a request that breaks the description is
    still a 400 (schemathesis found it)."""
    response = client.get("/open311/v2/requests.json", {"service_request_id": "x", "status": "z"})
    assert response.status_code == 400
    assert (
        client.get(
            "/open311/v2/requests.json", {"service_request_id": "x", "status": "open"}
        ).status_code
        == 200
    )
