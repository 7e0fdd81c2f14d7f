"""Awards for validated reports: who earns, what, and exactly once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import Notification
from governance import workflow
from governance.models import Category, ReportEvent, ReportStatus
from rewards import services, tasks
from rewards.models import Award, LedgerEntry, PointsAccount
from rewards.selectors import reports_awaiting_award
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    category,
    validated_report,
)

pytestmark = pytest.mark.django_db


def awards_of(report) -> dict[str, Award]:
    return {award.kind: award for award in Award.objects.filter(report=report)}


def test_confirming_the_fix_credits_cash_and_points_once(django_capture_on_commit_callbacks):
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.resolve(report, department=department, reply="已清理")
    # The department's word alone pays nothing (issue 14): the rider checks first.
    assert report.validated_at is None and not Award.objects.filter(report=report).exists()
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.confirm(report)
    assert report.validated_at is not None
    awards = awards_of(report)
    stairwell = category("stairwell-clutter")
    assert awards["cash"].cash_amount == stairwell.cash_reward == Decimal("5.00")
    assert awards["points"].points == stairwell.points_reward == 10
    assert PointsAccount.objects.get(rider=report.rider).balance == 10
    entry = LedgerEntry.objects.get(rider=report.rider)
    assert entry.kind == "earned" and entry.award == awards["points"] and entry.balance_after == 10
    note = Notification.objects.filter(recipient=report.rider.user).latest("id")
    assert report.public_id in note.heading and "10" in note.heading


def test_retries_and_task_reruns_pay_nothing_twice():
    report = validated_report()
    for _ in range(3):
        assert services.report_awards_grant(report_id=report.pk) == []
        tasks.award_report(report.pk)
    assert Award.objects.filter(report=report).count() == 2
    assert LedgerEntry.objects.filter(rider=report.rider).count() == 1
    assert PointsAccount.objects.get(rider=report.rider).balance == 10


def test_the_database_refuses_a_second_award_of_a_kind():
    report = validated_report()
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(
            report=report, rider=report.rider, kind="cash", cash_amount=Decimal("5.00")
        )


def test_dispatcher_validates_by_hand_without_changing_status():
    dispatcher = StaffFactory()
    report = workflow.to_dispatcher(ReportFactory())
    workflow.validate(report, actor=dispatcher, note="现场核实")
    report.refresh_from_db()
    assert report.status == ReportStatus.WITH_DISPATCHER and report.validated_at
    assert report.events.filter(kind=ReportEvent.Kind.VALIDATED, actor=dispatcher).exists()
    services.report_awards_grant(report_id=report.pk)
    assert set(awards_of(report)) == {"cash", "points"}
    with pytest.raises(workflow.IllegalTransition):
        workflow.validate(report, actor=dispatcher)


def test_a_validated_report_cannot_be_closed_invalid_or_marked_duplicate():
    report = workflow.to_dispatcher(ReportFactory())
    workflow.validate(report, actor=None)
    with pytest.raises(workflow.IllegalTransition) as refused:
        workflow.close_invalid(report, actor=None, reason="不成立")
    assert refused.value.code == "report_validated"
    with pytest.raises(workflow.IllegalTransition):
        workflow.mark_duplicate(report, original=ReportFactory())


@pytest.mark.parametrize("close", ["invalid", "duplicate"])
def test_invalid_reports_and_duplicates_earn_nothing(close):
    report = workflow.to_dispatcher(ReportFactory())
    if close == "invalid":
        workflow.close_invalid(report, actor=None, reason="照片与描述不符")
    else:
        workflow.mark_duplicate(report, original=ReportFactory())
    with pytest.raises(workflow.IllegalTransition):
        workflow.validate(report, actor=None)
    assert services.report_awards_grant(report_id=report.pk) == []
    assert not Award.objects.exists()


def test_reports_of_inactive_riders_earn_nothing():
    rider = RiderFactory(is_active=False)
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已处理")
    assert services.report_awards_grant(report_id=report.pk) == []
    assert not Award.objects.exists() and not LedgerEntry.objects.exists()
    assert report.pk not in reports_awaiting_award(since=timezone.now() - dt.timedelta(days=1))


def test_a_category_without_cash_pays_only_points():
    Category.objects.filter(code="stairwell-clutter").update(cash_reward=0)
    report = validated_report()
    assert set(awards_of(report)) == {"points"}


def test_an_unvalidated_report_earns_nothing():
    report = workflow.route(ReportFactory(), department=DepartmentFactory())
    assert services.report_awards_grant(report_id=report.pk) == []


def test_sweep_finds_validated_reports_whose_award_task_was_lost():
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="已处理")
    workflow.confirm(report)  # on_commit never ran
    since = timezone.now() - dt.timedelta(days=7)
    assert reports_awaiting_award(since=since) == [report.pk]
    assert tasks.sweep_unawarded_reports() == 1  # eager: the award task ran
    assert set(awards_of(report)) == {"cash", "points"}
    assert reports_awaiting_award(since=since) == []


def test_award_amounts_must_match_their_kind_in_the_database():
    other = ReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(report=other, rider=other.rider, kind="points", points=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(
            report=other, rider=other.rider, kind="cash", cash_amount=Decimal("-1.00")
        )
