"""The report state machine: every legal and illegal transition, timeline and constraints."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from core.models import Notification
from governance import workflow
from governance.models import Report, ReportEvent, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db
S = ReportStatus


@pytest.fixture
def department():
    return DepartmentFactory()


def in_status(status: str, department) -> Report:
    """A report brought to `status` through the state machine itself."""
    report = ReportFactory()
    if status == S.SUBMITTED:
        return report
    if status == S.WITH_DISPATCHER:
        return workflow.to_dispatcher(report)
    if status == S.DUPLICATE:
        return workflow.mark_duplicate(report, original=ReportFactory())
    if status == S.INVALID:
        return workflow.close_invalid(report, actor=None, reason="not a problem")
    report = workflow.route(report, department=department)
    if status == S.ROUTED:
        return report
    if status == S.REJECTED:
        return workflow.reject(report, department=department, reason="not ours")
    if status == S.WAITING:
        return workflow.ask(report, department=department, question="哪个入口？")
    report = workflow.acknowledge(report, department=department)
    if status == S.ACKNOWLEDGED:
        return report
    report = workflow.resolve(report, department=department, reply="已清理")
    if status == S.RESOLVED:
        return report
    if status == S.CONFIRMED:
        return workflow.confirm(report)
    report = workflow.reopen(report)
    if status == S.REOPENED:
        return report
    report = workflow.resolve(report, department=department, reply="再次清理")
    report = workflow.supervise(report)
    if status == S.SUPERVISION:
        return report
    assert status == S.CLOSED
    return workflow.close(report, actor=None, reason="已协调物业长期处理")


def other_department():
    return DepartmentFactory()


def attempt(transition: str, report: Report, department):
    other = ReportFactory()
    calls = {
        "route": lambda: workflow.route(report, department=department),
        "to_dispatcher": lambda: workflow.to_dispatcher(report),
        "acknowledge": lambda: workflow.acknowledge(report, department=department),
        "resolve": lambda: workflow.resolve(report, department=department, reply="done"),
        "reject": lambda: workflow.reject(report, department=department, reason="no"),
        "close_invalid": lambda: workflow.close_invalid(report, actor=None, reason="no"),
        "duplicate": lambda: workflow.mark_duplicate(report, original=other),
        "confirm": lambda: workflow.confirm(report),
        "reopen": lambda: workflow.reopen(report),
        "supervise": lambda: workflow.supervise(report),
        "redo": lambda: workflow.redo(report, actor=None),
        "close": lambda: workflow.close(report, actor=None, reason="原因"),
        "ask": lambda: workflow.ask(report, department=department, question="哪个入口？"),
        "answer": lambda: workflow.answer(report, note="东门"),
        "answer_timeout": lambda: workflow.answer_timeout(report),
        "transfer": lambda: workflow.transfer(report, to_department=other_department()),
    }
    return calls[transition]()


LEGAL = {
    S.SUBMITTED: {"route", "to_dispatcher", "close_invalid", "duplicate"},
    S.WITH_DISPATCHER: {"route", "close_invalid", "duplicate"},
    S.ROUTED: {"route", "acknowledge", "resolve", "reject", "duplicate", "ask", "transfer"},
    S.ACKNOWLEDGED: {"route", "resolve", "reject", "duplicate", "ask", "transfer"},
    # A question to the rider (issue 14): the clock paused until the answer or its timeout.
    S.WAITING: {
        "route",
        "resolve",
        "reject",
        "duplicate",
        "answer",
        "answer_timeout",
        "transfer",
    },
    S.REJECTED: {"route", "close_invalid", "duplicate"},
    # The closed loop (issue 14): the rider's check, reopening, supervision.
    S.RESOLVED: {"confirm", "reopen", "supervise"},
    S.REOPENED: {"route", "acknowledge", "resolve", "reject", "duplicate", "ask", "transfer"},
    S.SUPERVISION: {"route", "close_invalid", "duplicate", "redo", "close"},
    S.CONFIRMED: set(),
    S.CLOSED: set(),
    S.INVALID: set(),
    S.DUPLICATE: set(),
}
TARGET = {
    "route": S.ROUTED,
    "to_dispatcher": S.WITH_DISPATCHER,
    "acknowledge": S.ACKNOWLEDGED,
    "resolve": S.RESOLVED,
    "reject": S.REJECTED,
    "close_invalid": S.INVALID,
    "duplicate": S.DUPLICATE,
    "confirm": S.CONFIRMED,
    "reopen": S.REOPENED,
    "supervise": S.SUPERVISION,
    "redo": S.REOPENED,
    "close": S.CLOSED,
    "ask": S.WAITING,
    "answer": S.ACKNOWLEDGED,
    "answer_timeout": S.ACKNOWLEDGED,
    "transfer": S.ROUTED,
}
CASES = [(status, t) for status in LEGAL for t in TARGET]


@pytest.mark.parametrize(("status", "transition"), CASES)
def test_transition(status, transition, department):
    report = in_status(status, department)
    events_before = report.events.count()
    if transition in LEGAL[status]:
        result = attempt(transition, report, department)
        assert result.status == TARGET[transition]
        result.refresh_from_db()
        assert result.status == TARGET[transition]
        assert report.events.count() == events_before + 1
        assert report.events.last().to_status == TARGET[transition]
    else:
        with pytest.raises(workflow.IllegalTransition) as error:
            attempt(transition, report, department)
        assert error.value.code == "illegal_transition"
        report.refresh_from_db()
        assert report.status == status
        assert report.events.count() == events_before


def test_routing_starts_the_closure_clock(department):
    report = workflow.route(ReportFactory(), department=department)
    assert report.due_at - report.routed_at == dt.timedelta(hours=24)
    assert report.next_check_at < report.due_at
    assert report.events.get(kind=ReportEvent.Kind.ROUTED).department == department


def test_each_status_change_notifies_the_rider(department):
    report = ReportFactory()
    workflow.route(report, department=department)
    workflow.acknowledge(report, department=department)
    workflow.resolve(report, department=department, reply="已清理完毕")
    titles = [
        n.heading for n in Notification.objects.filter(recipient=report.rider.user).order_by("id")
    ]
    assert len(titles) == 3
    assert report.public_id in titles[0] and department.name in titles[0]
    report.refresh_from_db()
    assert report.reply == "已清理完毕"


def test_another_departments_officer_cannot_act(department):
    report = workflow.route(ReportFactory(), department=department)
    with pytest.raises(workflow.IllegalTransition) as error:
        workflow.acknowledge(report, department=DepartmentFactory())
    assert error.value.code == "not_your_report"


def test_resolve_needs_a_reply(department):
    report = workflow.route(ReportFactory(), department=department)
    with pytest.raises(workflow.DomainError):
        workflow.resolve(report, department=department, reply="  ")


def test_duplicate_of_a_duplicate_points_at_the_first_report():
    first = ReportFactory()
    second = workflow.mark_duplicate(ReportFactory(), original=first)
    third = workflow.mark_duplicate(ReportFactory(), original=second)
    assert third.duplicate_of_id == first.pk


def test_report_cannot_duplicate_itself():
    report = ReportFactory()
    with pytest.raises(workflow.IllegalTransition):
        workflow.mark_duplicate(report, original=report)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": S.ROUTED},  # no department, no deadline
        {"status": S.ACKNOWLEDGED},
        {"status": S.RESOLVED},  # no closed_at
        {"status": S.DUPLICATE},  # no original
        {"status": "nonsense"},
        {"latitude": 91},
        {"longitude": -181},
        {"escalation_level": 3},
    ],
)
def test_database_refuses_inconsistent_reports(changes):
    report = ReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(**changes)


def test_the_table_covers_every_status_and_transition():
    assert set(LEGAL) == set(S.values)
    assert set(TARGET) | {"reroute", "validate", "prioritise"} == set(workflow.TRANSITIONS)
