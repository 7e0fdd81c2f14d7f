"""Ask the rider (issue 14, working the report): a department's question pauses the report's
clock; the reporter's answer, or the 48 h timeout, resumes it with the deadline moved on by
exactly the pause. At most two questions, one at a time; only the reporter answers."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from core.errors import DomainError
from core.models import Notification
from core.photos import PhotoError
from governance import services, workflow
from governance.models import Report, ReportEvent, ReportQuestion, ReportStatus, ReportSupporter
from governance.services import question_answer, report_ask, unanswered_questions_expire
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, photo_upload

pytestmark = pytest.mark.django_db
S = ReportStatus
K = ReportEvent.Kind
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def department():
    return DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")


@pytest.fixture
def routed(department):
    with time_machine.travel(T0, tick=False):
        return workflow.route(ReportFactory(), department=department)


def fresh(report) -> Report:
    return Report.objects.get(pk=report.pk)


def ask(report, department, text="请问是几单元？", at=None):
    with time_machine.travel(at or T0 + dt.timedelta(hours=1), tick=False):
        return report_ask(report=report, department=department, question=text)


def answer(report, text="3单元", rider=None, at=None, **kwargs):
    with time_machine.travel(at or T0 + dt.timedelta(hours=3), tick=False):
        return question_answer(rider=rider or report.rider, report=report, text=text, **kwargs)


def test_asking_pauses_the_clock_and_the_answer_moves_the_deadline_on_by_the_pause(
    routed, department
):
    due = routed.due_at
    question = ask(routed, department)
    report = fresh(routed)
    assert report.status == S.WAITING
    assert report.paused_at == T0 + dt.timedelta(hours=1)
    assert report.next_check_at is None  # the deadline sweep leaves it alone
    assert report.acknowledged_at == T0 + dt.timedelta(hours=1)  # asking is a first response
    assert question.position == 1 and question.department == department
    assert question.answer_by == report.paused_at + dt.timedelta(hours=48)

    answered = answer(routed, text="  3单元，东侧入口  ")
    report = fresh(routed)
    assert report.status == S.ACKNOWLEDGED and report.paused_at is None
    assert report.due_at == due + dt.timedelta(hours=2)  # paused from 1 h to 3 h
    assert answered.answer == "3单元，东侧入口"
    assert answered.answered_at == T0 + dt.timedelta(hours=3) and answered.closed_at is None
    event = report.events.get(kind=K.RIDER_ANSWERED)
    assert event.actor == routed.rider.user and event.note == "3单元，东侧入口"
    assert (event.from_status, event.to_status) == (S.WAITING, S.ACKNOWLEDGED)
    assert report.events.get(kind=K.ASKED).note == "请问是几单元？"


def test_the_deadline_sweep_neither_warns_nor_flags_during_the_pause(routed, department):
    ask(routed, department)  # 1 h in; the category closes in 24 h
    with time_machine.travel(T0 + dt.timedelta(hours=40), tick=False):
        assert services.report_deadlines_sweep() == 0
    report = fresh(routed)
    assert not report.is_overdue and report.warned_at is None
    assert not report.events.filter(kind__in=[K.WARNED, K.ESCALATED]).exists()
    # Answered at 40 h: 39 h of pause, so the deadline is 63 h and the warning comes at 3/4.
    answer(routed, at=T0 + dt.timedelta(hours=40))
    report = fresh(routed)
    assert report.due_at == T0 + dt.timedelta(hours=24 + 39)
    assert report.next_check_at == report.routed_at + (report.due_at - report.routed_at) * 0.75
    with time_machine.travel(T0 + dt.timedelta(hours=41), tick=False):
        assert services.report_deadlines_sweep() == 0


def test_no_answer_in_48_hours_resumes_the_clock_and_closes_the_question(routed, department):
    due = routed.due_at
    question = ask(routed, department)
    asked_at = T0 + dt.timedelta(hours=1)
    assert unanswered_questions_expire(now=asked_at + dt.timedelta(hours=47, minutes=59)) == 0
    assert fresh(routed).status == S.WAITING
    with time_machine.travel(asked_at + dt.timedelta(hours=48), tick=False):
        assert unanswered_questions_expire() == 1
        assert unanswered_questions_expire() == 0  # safe to repeat
    report = fresh(routed)
    assert report.status == S.ACKNOWLEDGED and report.paused_at is None
    assert report.due_at == due + dt.timedelta(hours=48)
    question.refresh_from_db()
    assert question.closed_at == asked_at + dt.timedelta(hours=48) and question.answered_at is None
    event = report.events.get(kind=K.QUESTION_EXPIRED)
    assert event.actor is None and event.params == {"hours": settings.REPORT_QUESTION_HOURS}
    with translation.override("en"):
        assert event.text == "No answer within 48 hours: the department works on without it."
    with translation.override("zh-hans"):
        assert event.text and "48" in event.text
    # Too late now: the rider is told, nothing changes.
    with pytest.raises(DomainError) as refused:
        answer(routed, at=asked_at + dt.timedelta(hours=49))
    assert refused.value.code == "no_question"
    assert fresh(routed).status == S.ACKNOWLEDGED


def test_the_timeout_sweep_leaves_an_answered_question_alone(routed, department):
    ask(routed, department)
    answer(routed)
    assert unanswered_questions_expire(now=T0 + dt.timedelta(days=5)) == 0
    assert not ReportEvent.objects.filter(kind=K.QUESTION_EXPIRED).exists()


def test_at_most_two_questions_per_report(routed, department):
    ask(routed, department)
    answer(routed)
    second = ask(routed, department, text="门牌号是多少？", at=T0 + dt.timedelta(hours=4))
    assert second.position == 2
    answer(routed, text="12号", at=T0 + dt.timedelta(hours=5))
    with pytest.raises(workflow.IllegalTransition) as refused:
        ask(routed, department, text="还有吗？", at=T0 + dt.timedelta(hours=6))
    assert refused.value.code == "too_many_questions"
    assert ReportQuestion.objects.filter(report=routed).count() == 2
    assert fresh(routed).status == S.ACKNOWLEDGED


def test_one_open_question_at_a_time(routed, department):
    ask(routed, department)
    with pytest.raises(workflow.IllegalTransition) as refused:
        ask(routed, department, text="再问一个")
    assert refused.value.code == "illegal_transition"
    assert ReportQuestion.objects.filter(report=routed).count() == 1
    assert Notification.objects.filter(kind="governance.question_asked").count() == 1


def test_another_department_cannot_ask(routed):
    with pytest.raises(workflow.IllegalTransition) as refused:
        ask(routed, DepartmentFactory())
    assert refused.value.code == "not_your_report"
    assert not ReportQuestion.objects.exists() and fresh(routed).status == S.ROUTED


def test_an_empty_or_too_long_question_is_refused_and_nothing_written(routed, department):
    for text, code in (("   ", "question_required"), ("问" * 501, "question_too_long")):
        with pytest.raises(DomainError) as refused:
            ask(routed, department, text=text)
        assert refused.value.code == code
    assert not ReportQuestion.objects.exists()
    assert not Notification.objects.filter(kind="governance.question_asked").exists()
    assert fresh(routed).status == S.ROUTED


def test_the_reporter_is_told_once_with_the_department_in_their_language(routed, department):
    joiner = RiderFactory()
    ReportSupporter.objects.create(report=routed, rider=joiner)
    ask(routed, department)
    told = Notification.objects.get(kind="governance.question_asked")
    assert told.recipient == routed.rider.user
    assert told.body == "请问是几单元？"
    assert told.link == f"/reports/{routed.public_id}/#question"
    with translation.override("en"):
        assert told.heading == (
            f"Licang Housing Bureau asks about your report {routed.public_id}. "
            "Please answer on the report's page."
        )
    with translation.override("zh-hans"):
        assert "李沧区住建局" in told.heading
    # The answer brings the usual "working on it again" message, nothing twice.
    answer(routed)
    kinds = list(Notification.objects.values_list("recipient", "kind"))
    assert kinds.count((routed.rider.user_id, "governance.report_acknowledged")) == 1
    assert len([k for k in kinds if k[1] == "governance.question_asked"]) == 1


def test_only_the_reporter_answers(routed, department):
    joiner = RiderFactory()
    ReportSupporter.objects.create(report=routed, rider=joiner)
    ask(routed, department)
    with pytest.raises(DomainError) as refused:
        answer(routed, rider=joiner)
    assert refused.value.code == "not_reporter"
    with pytest.raises(Report.DoesNotExist):
        answer(routed, rider=RiderFactory())  # a stranger learns nothing
    assert fresh(routed).status == S.WAITING
    assert ReportQuestion.objects.get().answered_at is None


def test_an_empty_or_too_long_answer_is_refused(routed, department):
    ask(routed, department)
    for text, code in (("  ", "answer_required"), ("答" * 1001, "answer_too_long")):
        with pytest.raises(DomainError) as refused:
            answer(routed, text=text)
        assert refused.value.code == code
    assert fresh(routed).status == S.WAITING


def test_a_bad_photo_refuses_the_answer_and_writes_nothing(routed, department):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ask(routed, department)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(PhotoError):
        answer(routed, photo=bad)
    question = ReportQuestion.objects.get()
    assert question.answered_at is None and not question.photo
    assert fresh(routed).status == S.WAITING


def test_the_photo_is_re_encoded_without_location(routed, department):
    from PIL import Image

    ask(routed, department)
    question = answer(routed, photo=photo_upload(gps=(36.1, 120.4)))
    assert question.photo and question.thumbnail
    with question.photo.open("rb") as file, Image.open(file) as image:
        assert image.format == "JPEG"
        assert 0x8825 not in image.getexif()  # no GPS block
    with question.thumbnail.open("rb") as file, Image.open(file) as image:
        assert max(image.size) <= 320


def test_a_second_submit_is_refused_clearly_and_writes_nothing_twice(routed, department):
    ask(routed, department)
    answer(routed)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        answer(routed, text="再答一次")
    assert refused.value.code == "no_question"
    assert "already answered" in refused.value.message
    assert ReportQuestion.objects.get().answer == "3单元"
    assert fresh(routed).events.filter(kind=K.RIDER_ANSWERED).count() == 1


def test_an_answer_to_an_earlier_question_never_answers_a_newer_one(routed, department):
    ask(routed, department)
    answer(routed, position=1)
    ask(routed, department, text="门牌号？", at=T0 + dt.timedelta(hours=4))
    with pytest.raises(DomainError) as refused:
        answer(routed, text="3单元", position=1, at=T0 + dt.timedelta(hours=5))
    assert refused.value.code == "no_question"
    assert ReportQuestion.objects.get(position=2).answered_at is None


def test_without_a_question_there_is_nothing_to_answer(routed):
    with pytest.raises(DomainError) as refused:
        answer(routed)
    assert refused.value.code == "no_question"


@pytest.mark.parametrize("step", ["resolve", "reject", "reroute"])
def test_leaving_waiting_another_way_resumes_the_clock_and_closes_the_question(
    routed, department, step
):
    due = routed.due_at
    ask(routed, department)
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        if step == "resolve":
            workflow.resolve(routed, department=department, reply="已清理完毕")
        elif step == "reject":
            workflow.reject(routed, department=department, grounds="not_our_department")
        else:
            workflow.route(routed, department=DepartmentFactory())
    report = fresh(routed)
    assert report.paused_at is None
    question = ReportQuestion.objects.get()
    assert question.closed_at == T0 + dt.timedelta(hours=5) and question.answered_at is None
    if step == "resolve":
        assert report.due_at == due + dt.timedelta(hours=4)
    assert unanswered_questions_expire(now=T0 + dt.timedelta(days=5)) == 0
