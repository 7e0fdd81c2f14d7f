"""The closed loop (闭环, issue 14): the rider checks a fix; not fixed reopens it, twice sends it
to supervision; silence accepts it by default; the reward waits for the check."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from governance import services, workflow
from governance.models import FixAnswer, Report, ReportEvent, ReportStatus
from rewards.models import Award
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    category,
    photo_upload,
)

pytestmark = pytest.mark.django_db
S = ReportStatus
A = FixAnswer.Outcome
H = FixAnswer.Satisfaction


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def resolved(department):
    report = workflow.route(ReportFactory(), department=department)
    return workflow.resolve(report, department=department, reply="纸箱已清理")


def check(report, outcome=A.FIXED, satisfaction=H.SATISFIED, rider=None, **kwargs):
    return services.report_check(
        rider=rider or report.rider,
        report=report,
        outcome=outcome,
        satisfaction=satisfaction,
        **kwargs,
    )


def fresh(report) -> Report:
    return Report.objects.get(pk=report.pk)


def test_resolving_asks_the_rider_and_pays_nothing_yet(resolved):
    assert resolved.status == S.RESOLVED
    expected = resolved.closed_at + dt.timedelta(hours=72)
    assert abs((resolved.verify_by - expected).total_seconds()) < 1
    assert resolved.validated_at is None and not Award.objects.exists()


def test_fixed_confirms_validates_and_pays_once(resolved, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = check(resolved, comment="干净了")
    report = fresh(resolved)
    assert report.status == S.CONFIRMED and report.validated_at and report.verify_by is None
    assert (answer.outcome, answer.satisfaction, answer.by_default) == ("fixed", "satisfied", False)
    assert sorted(Award.objects.filter(report=report).values_list("kind", flat=True)) == [
        "cash",
        "points",
    ]
    event = report.events.get(kind=ReportEvent.Kind.CONFIRMED)
    assert event.note == "干净了" and event.actor == report.rider.user
    assert event.params == {"outcome": "fixed", "satisfaction": "satisfied"}
    with pytest.raises(DomainError) as refused:
        check(report)
    assert refused.value.code == "not_resolved"


def test_not_fixed_reopens_to_the_same_department_with_a_new_deadline(resolved, department):
    before = fresh(resolved)
    check(resolved, A.NOT_FIXED, H.DISSATISFIED, comment="还堆着", photo=photo_upload())
    report = fresh(resolved)
    assert report.status == S.REOPENED and report.department == department
    assert report.reopen_count == 1 and report.escalation_level >= 1
    assert report.due_at > before.due_at and report.closed_at is None
    assert report.verify_by is None and report.next_check_at is not None
    assert report.validated_at is None and not Award.objects.exists()
    assert report.answers.get().photo  # the rider's photo is kept for the department
    # The department works it again: acknowledge, resolve, then a new round of checking.
    workflow.acknowledge(report, department=department)
    report = workflow.resolve(report, department=department, reply="已彻底清理并告知物业")
    assert report.status == S.RESOLVED and report.verify_by
    check(report)
    assert fresh(report).status == S.CONFIRMED
    assert list(fresh(report).answers.values_list("round", "outcome")) == [
        (0, "not_fixed"),
        (1, "fixed"),
    ]


def test_dissatisfied_with_a_photo_reopens_without_a_photo_confirms(department):
    first = workflow.route(ReportFactory(), department=department)
    first = workflow.resolve(first, department=department, reply="已处理")
    check(first, A.PARTLY, H.DISSATISFIED, photo=photo_upload())
    assert fresh(first).status == S.REOPENED
    second = workflow.route(ReportFactory(latitude=36.2), department=department)
    second = workflow.resolve(second, department=department, reply="已处理")
    check(second, A.PARTLY, H.DISSATISFIED)
    assert fresh(second).status == S.CONFIRMED


def test_a_second_not_fixed_goes_to_supervision(resolved, department):
    check(resolved, A.NOT_FIXED, H.DISSATISFIED)
    report = workflow.resolve(fresh(resolved), department=department, reply="再次处理")
    check(report, A.NOT_FIXED, H.DISSATISFIED)
    report = fresh(report)
    assert report.status == S.SUPERVISION and report.reopen_count == 2
    assert report.escalation_level == 2 and report.next_check_at is None
    # The dispatcher orders it redone: back to the department with a new deadline.
    report = workflow.redo(report, actor=None, note="限期整改")
    assert report.status == S.REOPENED and report.due_at > timezone.now()
    report = workflow.resolve(report, department=department, reply="第三次处理，已验收")
    check(report)
    assert fresh(report).status == S.CONFIRMED and fresh(report).validated_at


def test_supervision_can_close_with_a_reason_the_rider_reads_and_pays_nothing(resolved, department):
    check(resolved, A.NOT_FIXED, H.DISSATISFIED)
    report = workflow.resolve(fresh(resolved), department=department, reply="再次处理")
    check(report, A.NOT_FIXED, H.DISSATISFIED)
    with pytest.raises(DomainError):
        workflow.close(fresh(report), actor=None, reason="  ")
    report = workflow.close(fresh(report), actor=None, reason="属违建，已移交执法部门立案")
    assert report.status == S.CLOSED and report.closed_at
    assert report.events.last().note == "属违建，已移交执法部门立案"
    assert report.validated_at is None and not Award.objects.exists()


def test_reopened_and_finally_closed_invalid_pays_nothing(resolved, department):
    check(resolved, A.NOT_FIXED, H.DISSATISFIED)
    report = workflow.resolve(fresh(resolved), department=department, reply="再次处理")
    check(report, A.NOT_FIXED, H.DISSATISFIED)
    report = workflow.close_invalid(fresh(report), actor=None, reason="重复恶意举报")
    assert report.status == S.INVALID and not Award.objects.exists()


def test_a_joiner_is_heard_but_does_not_decide(resolved):
    joiner = RiderFactory()
    resolved.supporters.create(rider=joiner)
    check(resolved, A.NOT_FIXED, H.DISSATISFIED, rider=joiner, comment="我看还没好")
    report = fresh(resolved)
    assert report.status == S.RESOLVED
    event = report.events.get(kind=ReportEvent.Kind.ANSWERED)
    assert event.note == "我看还没好" and event.to_status == S.RESOLVED
    check(report)  # the reporter's answer decides
    assert fresh(report).status == S.CONFIRMED
    assert FixAnswer.objects.filter(report=report).count() == 2


def test_strangers_double_answers_and_bad_input_are_refused(resolved):
    with pytest.raises(Report.DoesNotExist):
        check(resolved, rider=RiderFactory())
    for outcome, satisfaction, code in (
        ("maybe", H.SATISFIED, "outcome_required"),
        (A.FIXED, "", "satisfaction_required"),
    ):
        with pytest.raises(DomainError) as refused:
            check(resolved, outcome, satisfaction)
        assert refused.value.code == code
    with pytest.raises(DomainError) as refused:
        check(resolved, comment="长" * 501)
    assert refused.value.code == "comment_too_long"
    assert not FixAnswer.objects.exists() and fresh(resolved).status == S.RESOLVED
    joiner = RiderFactory()
    resolved.supporters.create(rider=joiner)
    check(resolved, rider=joiner)
    with pytest.raises(DomainError) as refused:
        check(resolved, rider=joiner)
    assert refused.value.code == "already_answered"


def test_an_open_report_is_not_checked(department):
    report = workflow.route(ReportFactory(), department=department)
    with pytest.raises(DomainError) as refused:
        check(report)
    assert refused.value.code == "not_resolved"


def test_no_answer_in_time_is_accepted_by_default(resolved, django_capture_on_commit_callbacks):
    assert services.unchecked_fixes_accept() == 0  # not due yet
    later = resolved.verify_by + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unchecked_fixes_accept(now=later) == 1
    report = fresh(resolved)
    assert report.status == S.CONFIRMED and report.validated_at
    answer = report.answers.get()
    assert answer.by_default and answer.rider == report.rider  # marked, never a real answer
    assert report.events.last().note_kind == "governance.check_not_answered"
    assert Award.objects.filter(report=report).count() == 2
    assert services.unchecked_fixes_accept(now=later) == 0  # idempotent
    with pytest.raises(DomainError):
        check(report)


def test_a_resolution_must_meet_the_categorys_minimum(department):
    report = workflow.route(ReportFactory(), department=department)
    with pytest.raises(workflow.ResolutionIncomplete) as refused:
        workflow.resolve(report, department=department, reply="x")
    assert set(refused.value.fields) == {"note"}
    fire_lane = category("blocked-fire-lane")
    assert fire_lane.evidence_required
    lane = workflow.route(ReportFactory(category=fire_lane, latitude=36.2), department=department)
    with pytest.raises(workflow.ResolutionIncomplete) as refused:
        services.report_resolve(report=lane, department=department, reply="x")
    assert set(refused.value.fields) == {"note", "photo"}
    assert fresh(lane).status == S.ROUTED and not lane.evidence.exists()
    services.report_resolve(
        report=lane, department=department, reply="车辆已挪走", photo=photo_upload()
    )
    assert fresh(lane).status == S.RESOLVED and lane.evidence.count() == 1


def test_a_reopened_report_goes_overdue_and_escalates_on_its_new_deadline(resolved):
    check(resolved, A.NOT_FIXED, H.DISSATISFIED)
    report = fresh(resolved)
    level = report.escalation_level
    services.report_deadlines_sweep(now=report.due_at + dt.timedelta(seconds=1))
    report = fresh(report)
    assert report.is_overdue and report.escalation_level == max(level, 1)
    second = report.due_at + (report.due_at - report.routed_at) + dt.timedelta(seconds=1)
    services.report_deadlines_sweep(now=second)
    assert fresh(report).escalation_level == 2


def test_the_database_holds_the_check_rules(resolved):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=resolved.pk).update(status=S.CONFIRMED)  # verify_by still set
    with pytest.raises(IntegrityError), transaction.atomic():
        FixAnswer.objects.create(
            report=resolved,
            rider=resolved.rider,
            round=0,
            outcome=A.NOT_FIXED,
            satisfaction=H.DISSATISFIED,
            by_default=True,
        )


def test_evidence_from_before_a_reopen_does_not_count_again(department):
    lane = workflow.route(
        ReportFactory(category=category("blocked-fire-lane")), department=department
    )
    services.report_resolve(
        report=lane, department=department, reply="车辆已挪走", photo=photo_upload()
    )
    check(fresh(lane), A.NOT_FIXED, H.DISSATISFIED)
    with pytest.raises(workflow.ResolutionIncomplete) as refused:
        services.report_resolve(report=fresh(lane), department=department, reply="再次挪车")
    assert set(refused.value.fields) == {"photo"}
    services.report_resolve(
        report=fresh(lane), department=department, reply="再次挪车", photo=photo_upload()
    )
    assert fresh(lane).status == S.RESOLVED
