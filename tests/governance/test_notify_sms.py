"""What a rider hears by SMS about a report: a department's question (with its deadline) and
the outcome of a report they reopened. Everything else stays in the inbox only."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from governance import services, workflow
from governance.models import FixAnswer, ReportSupporter
from riders.models import SMSLog
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db
DAYTIME = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def daytime():
    with time_machine.travel(DAYTIME, tick=False) as traveller:
        yield traveller


@pytest.fixture
def department():
    return DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")


def test_a_question_is_an_sms_with_the_answer_deadline(department, sms_outbox, settings):
    report = workflow.route(
        ReportFactory(rider=RiderFactory(phone="13900002222")), department=department
    )
    question = services.report_ask(report=report, department=department, question="几单元？")
    log = SMSLog.objects.get()
    assert (log.kind, log.phone_masked) == ("report_question", "139****2222")
    assert log.expires_at <= question.answer_by
    assert question.answer_by == DAYTIME + dt.timedelta(hours=settings.REPORT_QUESTION_HOURS)


def test_routine_status_changes_are_inbox_only(department):
    report = workflow.route(ReportFactory(), department=department)
    workflow.acknowledge(report, department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    assert not SMSLog.objects.exists()
    assert report.rider.user.notifications.count() == 3


def check_not_fixed(report):
    return services.report_check(
        rider=report.rider,
        report=report,
        outcome=FixAnswer.Outcome.NOT_FIXED,
        satisfaction=FixAnswer.Satisfaction.DISSATISFIED,
        comment="还是堆着",
    )


def test_the_outcome_of_a_reopened_report_is_an_sms_to_the_reporter_only(department):
    report = workflow.route(ReportFactory(), department=department)
    supporter = RiderFactory()
    ReportSupporter.objects.create(report=report, rider=supporter)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    check_not_fixed(report)  # reopened: no SMS for the rider's own step
    assert not SMSLog.objects.exists()
    workflow.resolve(report, department=department, reply="这次清理干净了")
    (log,) = SMSLog.objects.all()
    assert log.kind == "report_reopened" and log.phone_masked.endswith(report.rider.phone[-4:])
    # The supporter reads it in the inbox.
    assert supporter.user.notifications.filter(kind="governance.report_resolved").count() == 2


def test_closing_after_supervision_is_an_sms_too(department):
    report = workflow.route(ReportFactory(), department=department)
    for reply in ("第一次", "第二次"):
        workflow.resolve(report, department=department, reply=reply)
        check_not_fixed(report)  # reopened, then supervision
    SMSLog.objects.all().delete()  # the second resolution's SMS
    workflow.close(report, actor=None, reason="已协调物业长期整改")
    assert list(SMSLog.objects.values_list("kind", flat=True)) == ["report_reopened"]
