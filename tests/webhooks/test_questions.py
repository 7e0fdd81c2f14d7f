"""report.answered (issue 14, ask the rider): the rider's answer to a department's question is
sent to that department's receivers (and the platform's), once, without the rider's identity
or words; the 48 h timeout sends nothing."""

import datetime as dt
import json

import pytest

from governance import services, workflow
from tests.factories import DepartmentFactory, ReportFactory
from webhooks.models import Delivery, Event, Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def hooks(department):
    def hook(label, owner):
        return Webhook.objects.create(
            label=label,
            url="https://receiver.example/hook",
            department=owner,
            events=[Event.ANSWERED],
            secret="s3cret",
        )

    return {
        "mine": hook("department", department),
        "platform": hook("platform", None),
        "theirs": hook("another department", DepartmentFactory()),
    }


def test_the_answer_is_sent_once_to_the_departments_receivers(hooks, department):
    report = workflow.route(ReportFactory(), department=department)
    services.report_ask(report=report, department=department, question="几单元？")
    assert not Delivery.objects.exists()  # asking is the department's own move
    services.question_answer(rider=report.rider, report=report, text="3单元东侧")
    deliveries = Delivery.objects.filter(event=Event.ANSWERED, report_id=report.pk)
    assert {d.webhook_id for d in deliveries} == {hooks["mine"].pk, hooks["platform"].pk}
    payload = json.dumps(deliveries.first().payload, ensure_ascii=False)
    rider = report.rider
    for secret in ("3单元东侧", rider.name, rider.phone, rider.rider_number):
        assert secret not in payload


def test_the_timeout_sends_no_answered_event(hooks, department):
    report = workflow.route(ReportFactory(), department=department)
    services.report_ask(report=report, department=department, question="几单元？")
    later = report.updated_at + dt.timedelta(hours=49)
    assert services.unanswered_questions_expire(now=later) == 1
    assert not Delivery.objects.filter(event=Event.ANSWERED).exists()
