"""Open311 per city (issue 19): `jurisdiction_id` narrows every resource to its city; an
unknown one is the standard's 404; once the endpoint serves two cities it is required (400);
an integration key files requests in its own city only. No city sees another's requests."""

import json
from decimal import Decimal

import pytest

from api.services import token_issue
from governance import workflow
from governance.models import CityCategory, Report
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    category,
    jinan,
    qingdao,
)

pytestmark = pytest.mark.django_db
V2 = "/open311/v2"


@pytest.fixture
def reports():
    """A Qingdao report and a Jinan one, each routed in its city."""
    ours = workflow.route(ReportFactory(), department=DepartmentFactory(code="qd-urban"))
    district = jinan("lixia")
    theirs = ReportFactory(
        rider=RiderFactory(district=district),
        district=district,
        latitude=Decimal("36.666000"),
        longitude=Decimal("117.076000"),
        description="济南的路灯坏了",
    )
    theirs = workflow.route(
        theirs, department=DepartmentFactory(code="jn-lixia-urban", city=jinan())
    )
    return ours, theirs


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["service_request_id"] for row in response.json()}


def test_one_city_needs_no_jurisdiction(client):
    report = ReportFactory()
    assert client.get(f"{V2}/services.json").status_code == 200
    assert report.public_id in ids(client.get(f"{V2}/requests.json"))
    assert report.public_id in ids(client.get(f"{V2}/requests.json?jurisdiction_id=qingdao"))


def test_two_cities_require_it(client, reports):
    for path in (
        "services.json",
        "services/fire-hazard.json",
        "requests.json",
        f"requests/{reports[0].public_id}.json",
        "servicerequestupdates.json",
    ):
        response = client.get(f"{V2}/{path}")
        assert response.status_code == 400, path
        [error] = response.json()
        assert error["code"] == 400 and "jurisdiction_id" in error["description"]
        assert "jinan" in error["description"] and "qingdao" in error["description"]
    xml = client.get(f"{V2}/requests.xml")
    assert xml.status_code == 400 and b"<errors>" in xml.content


def test_an_unknown_jurisdiction_is_the_standards_404(client, reports):
    response = client.get(f"{V2}/requests.json?jurisdiction_id=atlantis")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404 and "atlantis" in error["description"]


def test_each_city_reads_its_own_requests(client, reports):
    ours, theirs = reports
    assert ids(client.get(f"{V2}/requests.json?jurisdiction_id=qingdao")) == {ours.public_id}
    assert ids(client.get(f"{V2}/requests.json?jurisdiction_id=jinan")) == {theirs.public_id}
    listed = client.get(
        f"{V2}/requests.json?jurisdiction_id=qingdao&service_request_id={theirs.public_id}"
    )
    assert ids(listed) == set()
    other = client.get(f"{V2}/requests/{theirs.public_id}.json?jurisdiction_id=qingdao")
    assert other.status_code == 404 and other.json()[0]["code"] == 404
    own = client.get(f"{V2}/requests/{theirs.public_id}.json?jurisdiction_id=jinan")
    assert ids(own) == {theirs.public_id}
    token = client.get(f"{V2}/tokens/{theirs.public_id}.json?jurisdiction_id=qingdao")
    assert token.status_code == 404


def test_updates_are_the_citys_own(client, reports):
    ours, theirs = reports
    updates = client.get(f"{V2}/servicerequestupdates.json?jurisdiction_id=qingdao").json()
    seen = {row["service_request_id"] for row in updates}
    assert ours.public_id in seen and theirs.public_id not in seen


def test_services_of_a_city_leave_out_what_it_does_not_offer(client, reports):
    stall = category("unlicensed-food-stall")
    CityCategory.objects.create(city=jinan(), category=stall, is_enabled=False)
    CityCategory.objects.create(city=jinan(), category=category("road-hazard"), closure_hours=99)
    jinans = client.get(f"{V2}/services.json?jurisdiction_id=jinan").json()
    codes = {s["service_code"] for s in jinans}
    assert stall.code not in codes and "road-hazard" in codes
    road = next(s for s in jinans if s["service_code"] == "road-hazard")
    assert "99" in road["description"]
    qingdaos = client.get(f"{V2}/services.json?jurisdiction_id=qingdao").json()
    assert stall.code in {s["service_code"] for s in qingdaos}
    definition = client.get(f"{V2}/services/{stall.code}.json?jurisdiction_id=jinan")
    assert definition.status_code == 404


def post(client, key: str, rider, jurisdiction: str, **fields):
    data = {
        "api_key": key,
        "jurisdiction_id": jurisdiction,
        "service_code": "road-hazard",
        "description": "井盖缺失",
        "account_id": rider.rider_number,
        "address_string": "泉城路 1 号",
        **fields,
    }
    return client.post(f"{V2}/requests.json", data)


def test_an_integration_key_files_requests_in_its_city_only(client):
    jinan_rider = RiderFactory(district=jinan("lixia"))
    qingdao_rider = RiderFactory()
    _token, qingdao_key = token_issue(label="青岛平台", integration=True, city=qingdao())
    _token, jinan_key = token_issue(label="济南平台", integration=True, city=jinan())
    refused = post(client, qingdao_key, jinan_rider, "jinan")
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    not_ours = post(client, qingdao_key, jinan_rider, "qingdao")
    assert not_ours.status_code == 400  # a Jinan rider is unknown to Qingdao's key
    assert not Report.objects.exists()
    filed = post(client, jinan_key, jinan_rider, "jinan")
    assert filed.status_code == 201, filed.content
    report = Report.objects.get(public_id=json.loads(filed.content)[0]["service_request_id"])
    assert report.district.city == jinan()
    assert post(client, qingdao_key, qingdao_rider, "qingdao").status_code == 201


def test_a_category_the_city_does_not_offer_is_refused_on_post(client):
    CityCategory.objects.create(city=jinan(), category=category("road-hazard"), is_enabled=False)
    _token, key = token_issue(label="济南平台", integration=True, city=jinan())
    response = post(client, key, RiderFactory(district=jinan("lixia")), "jinan")
    assert response.status_code == 400 and not Report.objects.exists()


def test_discovery_names_the_jurisdictions(client, reports):
    body = client.get(f"{V2}/discovery.json").json()
    assert "jinan" in body["key_service"] and "qingdao" in body["key_service"]


def test_the_openapi_document_describes_jurisdiction_id(client):
    text = client.get(f"{V2}/openapi.yaml").content.decode()
    assert "jurisdiction_id" in text
