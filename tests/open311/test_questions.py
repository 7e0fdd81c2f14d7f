"""Ask the rider in Open311 (issue 14): a report waiting for the reporter's answer is GeoReport
`open` and IN_PROGRESS in the updates; the public reads that a question was asked and answered,
never the department's question or the rider's words."""

import pytest

from governance import services, workflow
from governance.models import Report
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def waiting(department) -> Report:
    report = workflow.route(ReportFactory(), department=department)
    services.report_ask(report=report, department=department, question="请问是3单元还是5单元？")
    return report


def test_a_waiting_report_is_open(client, waiting):
    [row] = client.get(f"/open311/v2/requests/{waiting.public_id}.json", **ENGLISH).json()
    assert row["status"] == "open"
    assert row["status_notes"] == "Waiting for the rider's answer"
    assert "3单元" not in str(row)


def test_the_question_and_the_answer_stay_out_of_the_public_feed(client, waiting):
    services.question_answer(rider=waiting.rider, report=waiting, text="5单元，电话我")
    rows = client.get("/open311/v2/servicerequestupdates.json", **ENGLISH).json()
    mine = [u for u in rows if u["service_request_id"] == waiting.public_id]
    assert [(u["status"], u["description"]) for u in mine[-2:]] == [
        ("IN_PROGRESS", "The department asked the reporter for more detail."),
        ("IN_PROGRESS", "The reporter answered the department's question."),
    ]
    text = client.get("/open311/v2/servicerequestupdates.xml").content.decode()
    assert "5单元" not in text and "3单元" not in text
