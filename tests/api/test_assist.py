"""Joint handling (联办) through the department API (issue 14): an assisting department sees the
report in its list and detail (`role: assisting`, its own pseudonym of the reporter, no rider
data), comments and attaches evidence; every lead-only action answers 409 not_lead; a third
department gets a 404 and does not see it; the list costs the same queries at any size."""

import pytest
from rest_framework.test import APIClient

from api.services import token_issue
from governance import services, workflow
from governance.models import EvidencePhoto, Report, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, photo_upload, photos_redact

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return DepartmentFactory(code="licang-housing")


@pytest.fixture
def helper():
    return DepartmentFactory(code="licang-fire")


def client_for(department) -> APIClient:
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assisted(lead, helper, **kwargs) -> Report:
    report = workflow.route(ReportFactory(**kwargs), department=lead)
    services.assist_add(report=report, department=helper, by=None)
    return report


def detail(report: Report, action: str = "") -> str:
    return f"/api/v1/reports/{report.public_id}/" + (f"{action}/" if action else "")


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_lead_and_assistant_see_it_a_third_department_does_not(lead, helper):
    report = assisted(lead, helper)
    own = workflow.route(ReportFactory(latitude=30), department=helper)
    lead_api, helper_api, third = (
        client_for(lead),
        client_for(helper),
        client_for(DepartmentFactory()),
    )
    assert ids(lead_api.get("/api/v1/reports/")) == [report.public_id]
    assert sorted(ids(helper_api.get("/api/v1/reports/"))) == sorted(
        [report.public_id, own.public_id]
    )
    assert ids(helper_api.get("/api/v1/reports/", {"role": "assisting"})) == [report.public_id]
    assert ids(helper_api.get("/api/v1/reports/", {"role": "lead"})) == [own.public_id]
    assert ids(lead_api.get("/api/v1/reports/", {"role": "assisting"})) == []
    rows = {row["id"]: row for row in helper_api.get("/api/v1/reports/").json()["results"]}
    assert rows[report.public_id]["role"] == "assisting" and rows[own.public_id]["role"] == "lead"
    assert lead_api.get(detail(report)).json()["role"] == "lead"
    assert helper_api.get(detail(report)).json()["role"] == "assisting"
    assert ids(third.get("/api/v1/reports/")) == []
    assert third.get(detail(report)).status_code == 404
    assert third.post(detail(report, "comments"), {"text": "看看"}).status_code == 404


def test_a_bad_role_is_400(lead, helper):
    response = client_for(helper).get("/api/v1/reports/", {"role": "boss"})
    assert response.status_code == 400 and "role" in response.json()["error"]["fields"]


def test_the_assistant_sees_its_own_pseudonym_and_no_rider_data(lead, helper):
    report = assisted(lead, helper)
    body = client_for(helper).get(detail(report)).json()
    assert body["reporter"] == services.reporter_pseudonym(
        rider_id=report.rider_id, department_id=helper.pk
    )
    assert body["reporter"] != services.reporter_pseudonym(
        rider_id=report.rider_id, department_id=lead.pk
    )
    text = str(body)
    rider = report.rider
    assert rider.phone not in text and rider.name not in text and rider.rider_number not in text


def test_the_assistant_comments_and_attaches_evidence(lead, helper):
    report = assisted(lead, helper)
    api = client_for(helper)
    response = api.post(detail(report, "comments"), {"text": "消防通道已协查"}, format="json")
    assert response.status_code == 201
    response = api.post(detail(report, "evidence"), {"photo": photo_upload()}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department"] == "licang-fire" and body["url"] and body["thumbnail_url"]
    assert EvidencePhoto.objects.get(report=report).department == helper
    photos_redact(report)  # the task queued on commit: departments get the blurred copy
    assert api.get(body["thumbnail_url"]).status_code == 200
    timeline = client_for(lead).get(detail(report)).json()["timeline"]
    assert [e["department"] for e in timeline if e["kind"] == "comment"] == ["licang-fire"]


def test_the_lead_attaches_evidence_too_and_a_bad_photo_is_400(lead, helper):
    report = assisted(lead, helper)
    api = client_for(lead)
    assert api.post(detail(report, "evidence"), {"photo": photo_upload()}).status_code == 201
    bad = api.post(detail(report, "evidence"), {"photo": "not a file"})
    assert bad.status_code == 400
    assert EvidencePhoto.objects.filter(report=report).count() == 1


def test_no_evidence_once_resolved(lead, helper):
    report = assisted(lead, helper)
    workflow.resolve(report, department=lead, reply="已处理完毕")
    response = client_for(helper).post(detail(report, "evidence"), {"photo": photo_upload()})
    assert response.status_code == 409 and not EvidencePhoto.objects.exists()


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("acknowledge", {}),
        ("resolve", {"note": "已处理完毕"}),
        ("reject", {"reason": "not_our_department"}),
        ("transfer", {"department": "licang-housing", "reason": "不归我们"}),
    ],
)
def test_lead_only_actions_are_409_not_lead(lead, helper, action, body):
    report = assisted(lead, helper)
    response = client_for(helper).post(
        detail(report, action), body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_lead" and "Only the lead department" in error["message"]
    report.refresh_from_db()
    assert report.status == ReportStatus.ROUTED and report.department == lead


def test_removed_the_assistant_no_longer_sees_it(lead, helper):
    report = assisted(lead, helper)
    services.assist_remove(report=report, department=helper, by=None)
    assert client_for(helper).get(detail(report)).status_code == 404


@pytest.mark.parametrize("role", ["", "assisting", "lead"])
def test_constant_queries_at_two_sizes_with_assisted_rows(
    lead, helper, role, django_assert_max_num_queries
):
    api = client_for(helper)
    api.get("/api/v1/reports/")  # the token's first use is recorded once
    counts = []
    for size in (1, 15):
        for n in range(size):
            assisted(lead, helper, latitude=30 + n / 10)
            workflow.route(ReportFactory(latitude=31 + n / 10), department=helper)
        with django_assert_max_num_queries(10) as captured:
            response = api.get("/api/v1/reports/", {"role": role} if role else {})
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
