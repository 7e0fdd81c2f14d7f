"""Ask the rider through the department API (issue 14): POST /ask/ pauses the report's clock
(200), refuses illegal moves (409) and an empty question (422), is idempotent, is scoped to the
department (404), and the detail shows the questions and answers without the rider's identity,
in constant queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import token_issue
from governance import services, workflow
from governance.models import Report, ReportQuestion, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, photo_upload, photos_redact

pytestmark = pytest.mark.django_db
S = ReportStatus
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing", name="李沧区住建局")


def client_for(department) -> APIClient:
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(department):
    return client_for(department)


def routed(department, **kwargs) -> Report:
    return workflow.route(ReportFactory(**kwargs), department=department)


def ask_url(report: Report) -> str:
    return f"/api/v1/reports/{report.public_id}/ask/"


def detail_url(report: Report) -> str:
    return f"/api/v1/reports/{report.public_id}/"


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def test_asking_pauses_the_report_and_shows_the_open_question(api, department):
    report = routed(department)
    response = api.post(ask_url(report), {"question": "请问是几单元？"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == S.WAITING and body["paused_at"] is not None
    assert body["acknowledged_at"] is not None
    (question,) = body["questions"]
    assert question == {
        "number": 1,
        "department": "licang-housing",
        "question": "请问是几单元？",
        "asked_at": question["asked_at"],
        "answer_by": question["answer_by"],
        "answer": "",
        "answered_at": None,
        "photo": None,
        "status": "open",
    }
    assert body["timeline"][-1]["kind"] == "asked"
    assert fresh(report).status == S.WAITING


def test_an_empty_question_is_a_422_and_writes_nothing(api, department):
    report = routed(department)
    # Left out counts as empty (a form field sent empty may arrive left out).
    for body in ({"question": ""}, {"question": "   "}, {}):
        response = api.post(ask_url(report), body, format="json", **ENGLISH)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "question_required"
        assert error["fields"] == {"question": ["Write the question: the rider reads it."]}
    assert api.post(ask_url(report), {"question": 12}, format="json").status_code == 400
    assert api.post(ask_url(report), {"question": "问" * 501}, format="json").status_code == 400
    assert fresh(report).status == S.ROUTED and not ReportQuestion.objects.exists()


def test_illegal_asks_are_409(api, department):
    report = routed(department)
    assert api.post(ask_url(report), {"question": "几单元？"}, format="json").status_code == 200
    again = api.post(ask_url(report), {"question": "几号楼？"}, format="json", **ENGLISH)
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "illegal_transition",
        "message": "A report that is “Waiting for the rider's answer” cannot be asked a question.",
        "fields": {},
    }
    services.question_answer(rider=report.rider, report=report, text="3单元")
    assert api.post(ask_url(report), {"question": "几号楼？"}, format="json").status_code == 200
    services.question_answer(rider=report.rider, report=report, text="12号楼")
    third = api.post(ask_url(report), {"question": "还有吗？"}, format="json")
    assert third.status_code == 409 and third.json()["error"]["code"] == "too_many_questions"
    resolved = routed(department, latitude=36.3)
    workflow.resolve(resolved, department=department, reply="已清理")
    assert api.post(ask_url(resolved), {"question": "？？"}, format="json").status_code == 409


def test_another_departments_report_is_a_404(department):
    report = routed(department)
    other = client_for(DepartmentFactory())
    assert other.post(ask_url(report), {"question": "几单元？"}, format="json").status_code == 404
    assert fresh(report).status == S.ROUTED


def test_retrying_an_ask_with_the_same_key_asks_once(api, department):
    report = routed(department)
    sent = [
        api.post(
            ask_url(report), {"question": "几单元？"}, format="json", HTTP_IDEMPOTENCY_KEY="ask-1"
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in sent] == [200, 200, 200]
    assert sent[1]["Idempotent-Replayed"] == sent[2]["Idempotent-Replayed"] == "true"
    assert sent[0].json() == sent[2].json()
    assert ReportQuestion.objects.filter(report=report).count() == 1
    assert fresh(report).events.filter(kind="asked").count() == 1


def test_the_answer_is_shown_without_who_answered(api, department):
    report = routed(department)
    api.post(ask_url(report), {"question": "几单元？"}, format="json")
    services.question_answer(
        rider=report.rider, report=report, text="3单元东侧", photo=photo_upload()
    )
    response = api.get(detail_url(report))
    body = response.json()
    assert body["status"] == S.ACKNOWLEDGED and body["paused_at"] is None
    (question,) = body["questions"]
    assert question["status"] == "answered" and question["answer"] == "3单元东侧"
    assert question["answered_at"] is not None
    assert body["timeline"][-1]["kind"] == "rider_answered"
    assert "3单元东侧" in body["timeline"][-1]["note"]
    photos_redact(report)  # the task queued on commit: departments get the blurred copy
    photo = APIClient().get(question["photo"]["url"])  # signed, like the other photos
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert APIClient().get(question["photo"]["thumbnail_url"]).status_code == 200
    text = response.content.decode()
    rider = report.rider
    for secret in (rider.name, rider.phone, rider.rider_number, rider.user.username):
        assert secret not in text


def _queries(api, path: str) -> int:
    api.get(path)  # the token's last-use time is written at most once a minute: not counted
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    return len(queries)


def test_detail_and_list_queries_do_not_grow_with_questions(api, department):
    counts = []
    for size in (1, 2):
        reports = [routed(department, latitude=36 + (size * 10 + n) / 1000) for n in range(size)]
        detail = reports[-1]
        for n in range(size):
            services.report_ask(report=detail, department=department, question=f"问题{n}")
            services.question_answer(
                rider=detail.rider, report=detail, text=f"回答{n}", photo=photo_upload()
            )
        assert fresh(detail).questions.count() == size
        counts.append((_queries(api, "/api/v1/reports/"), _queries(api, detail_url(detail))))
    assert counts[0] == counts[1], counts


def test_an_unanswered_question_shows_expired_or_closed(api, department):
    timed_out = routed(department)
    api.post(ask_url(timed_out), {"question": "几单元？"}, format="json")
    with time_machine.travel(fresh(timed_out).paused_at + dt.timedelta(hours=48, minutes=1)):
        assert services.unanswered_questions_expire() == 1
    body = api.get(detail_url(timed_out)).json()
    assert body["status"] == S.ACKNOWLEDGED
    assert [q["status"] for q in body["questions"]] == ["expired"]
    assert body["timeline"][-1]["kind"] == "question_expired"

    resolved = routed(department, latitude=36.4)
    api.post(ask_url(resolved), {"question": "几单元？"}, format="json")
    api.post(f"/api/v1/reports/{resolved.public_id}/resolve/", {"note": "已清理"}, format="json")
    body = api.get(detail_url(resolved)).json()
    assert body["status"] == S.RESOLVED
    assert [q["status"] for q in body["questions"]] == ["closed"]
