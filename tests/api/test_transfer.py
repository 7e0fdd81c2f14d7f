"""Transfer (转办) through the department API (issue 14): POST /reports/<id>/transfer/ answers
202 with the request (pending, or approved by a rule), 409 when not allowed, 422 for a
department that is not another active one of the city, idempotent; GET /departments/ lists
the city's other active departments, without any rider data."""

import pytest
from rest_framework.test import APIClient

from api.services import token_issue
from core.models import City
from governance import services, workflow
from governance.models import Report, ReportStatus, TransferRequest, TransferRule
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db
T = TransferRequest.Status


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing", name="李沧住建局")


@pytest.fixture
def water():
    return DepartmentFactory(code="licang-water", name="李沧供水", name_en="Water")


def client_for(department) -> APIClient:
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(department):
    return client_for(department)


def routed(department) -> Report:
    return workflow.route(ReportFactory(), department=department)


def url(report: Report) -> str:
    return f"/api/v1/reports/{report.public_id}/transfer/"


BODY = {"department": "licang-water", "reason": "该井盖归供水公司管理"}


def test_a_request_is_202_pending_and_the_report_stays(api, department, water):
    report = routed(department)
    response = api.post(url(report), BODY, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["by_rule"], body["report"]) == (T.PENDING, False, report.public_id)
    assert (body["from_department"], body["to_department"]) == ("licang-housing", "licang-water")
    assert body["decide_by"] and body["decided_at"] is None
    detail = api.get(f"/api/v1/reports/{report.public_id}/").json()
    assert detail["timeline"][-1]["kind"] == "transfer_asked"


def test_a_rule_approves_it_at_once_and_it_leaves_the_list(api, department, water):
    TransferRule.objects.create(from_department=department, to_department=water)
    report = routed(department)
    response = api.post(url(report), BODY, format="json")
    assert response.status_code == 202 and response.json()["status"] == T.APPROVED
    assert api.get(f"/api/v1/reports/{report.public_id}/").status_code == 404
    mine = client_for(water).get(f"/api/v1/reports/{report.public_id}/").json()
    assert (mine["status"], mine["role"]) == (ReportStatus.ROUTED, "lead")


def test_idempotent(api, department, water):
    report = routed(department)
    headers = {"HTTP_IDEMPOTENCY_KEY": "transfer-1"}
    first = api.post(url(report), BODY, format="json", **headers)
    again = api.post(url(report), BODY, format="json", **headers)
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert report.transfers.count() == 1


def test_a_second_request_is_409(api, department, water):
    report = routed(department)
    api.post(url(report), BODY, format="json")
    response = api.post(url(report), BODY, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transfer_pending"
    assert "already waiting" in response.json()["error"]["message"]


def test_a_resolved_report_is_409(api, department, water):
    report = workflow.resolve(routed(department), department=department, reply="已处理完毕")
    response = api.post(url(report), BODY, format="json")
    assert response.status_code == 409 and not report.transfers.exists()


@pytest.mark.parametrize("code", ["nope", "inactive", "jinan-water", "licang-housing"])
def test_not_another_active_department_of_the_city_is_422(api, department, code):
    DepartmentFactory(code="inactive", is_active=False)
    DepartmentFactory(code="jinan-water", city=City.objects.create(code="jinan", name="济南"))
    report = routed(department)
    response = api.post(
        url(report), {**BODY, "department": code}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert list(error["fields"]) == ["department"]
    expected = "same_department" if code == "licang-housing" else "department_unknown"
    assert error["code"] == expected
    assert not report.transfers.exists()


@pytest.mark.parametrize(
    "body", [{"department": "licang-water"}, {**BODY, "reason": "  "}, {**BODY, "department": 5}]
)
def test_a_bad_body_is_400_and_writes_nothing(api, department, water, body):
    report = routed(department)
    response = api.post(url(report), body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert not report.transfers.exists()


def test_another_departments_report_is_404(department, water):
    report = routed(department)
    response = client_for(DepartmentFactory()).post(url(report), BODY, format="json")
    assert response.status_code == 404 and not report.transfers.exists()


def test_an_assisting_department_is_409_not_lead(department, water):
    report = routed(department)
    services.assist_add(report=report, department=water, by=None)
    response = client_for(water).post(
        url(report), {**BODY, "department": "licang-housing"}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_lead"


def test_the_departments_of_the_city(api, department, water, django_assert_num_queries):
    DepartmentFactory(code="inactive", is_active=False)
    DepartmentFactory(code="jinan-water", city=City.objects.create(code="jinan", name="济南"))
    response = api.get("/api/v1/departments/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == ["licang-water"]
    assert rows[0] == {"code": "licang-water", "name": "李沧供水", "name_en": "Water"}
    for n in range(5):
        DepartmentFactory(code=f"more-{n}")
    with django_assert_num_queries(2):  # the token, the list
        assert len(api.get("/api/v1/departments/").json()) == 6


def test_the_departments_need_a_token():
    assert APIClient().get("/api/v1/departments/").status_code == 401
