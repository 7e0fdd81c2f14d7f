"""The departments' questions to the riders in the dispatcher's admin (issue 14): read-only on
the report's page and in their own list, searchable by report number, filtered by state."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import DISPATCHER
from governance import services, workflow
from governance.models import Report
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory, photo_upload

pytestmark = pytest.mark.django_db
QUESTIONS = reverse("admin:governance_reportquestion_changelist")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return user


def asked(question: str, *, answer: str = "", expire: bool = False) -> Report:
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    services.report_ask(report=report, department=department, question=question)
    if answer:
        services.question_answer(
            rider=report.rider, report=report, text=answer, photo=photo_upload()
        )
    if expire:
        with time_machine.travel(report.updated_at + dt.timedelta(hours=49)):
            services.unanswered_questions_expire()
    return report


def test_questions_on_the_report_page_read_only(client, dispatcher):
    report = asked("几单元？", answer="3单元东侧")
    page = client.get(
        reverse("admin:governance_report_change", args=[report.pk]), **ENGLISH
    ).content.decode()
    assert "几单元？" in page and "3单元东侧" in page
    assert "questions to the rider" in page.lower()
    assert 'name="questions-0-answer"' not in page  # not editable
    assert report.rider.phone not in page and report.rider.name not in page


def test_the_list_filters_by_state_and_finds_by_report_number(client, dispatcher):
    # The expired one first: the timeout sweep looks at every open question.
    expired = asked("问三", expire=True)
    open_one, answered = asked("问一"), asked("问二", answer="答二")
    page = client.get(QUESTIONS, **ENGLISH).content.decode()
    assert all(text in page for text in ("问一", "问二", "问三"))
    for state, shown, hidden in (
        ("open", "问一", "问二"),
        ("answered", "问二", "问三"),
        ("expired", "问三", "问一"),
    ):
        page = client.get(QUESTIONS, {"state": state}, **ENGLISH).content.decode()
        assert shown in page and hidden not in page, state
    page = client.get(QUESTIONS, {"q": answered.public_id}).content.decode()
    assert "问二" in page and "问一" not in page
    question = answered.questions.get()
    assert (
        client.get(reverse("admin:governance_reportquestion_photo", args=[question.pk])).status_code
        == 200
    )
    change = client.get(reverse("admin:governance_reportquestion_change", args=[question.pk]))
    assert change.status_code == 200 and 'name="answer"' not in change.content.decode()
    assert open_one and expired


def test_staff_without_the_permission_see_nothing(client):
    question = asked("几单元？", answer="3单元").questions.get()
    client.force_login(StaffFactory())
    assert client.get(QUESTIONS).status_code == 403
    photo = reverse("admin:governance_reportquestion_photo", args=[question.pk])
    assert client.get(photo).status_code == 403
