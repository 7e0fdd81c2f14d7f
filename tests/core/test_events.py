"""Domain events (core/events.py): publish calls subscribers in the caller's transaction, a
subscriber's error rolls the change back, and governance reaches rewards and webhooks only
through them (issue 13)."""

import ast
import datetime as dt
from dataclasses import FrozenInstanceError, dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from core import events
from governance import services, workflow
from governance.events import (
    ReportsEscalated,
    ReportsOverdue,
    ReportStatusChanged,
    ReportValidated,
)
from governance.models import Department, Report, ReportEvent, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory


@dataclass(frozen=True)
class Happened:
    thing_id: int


@dataclass(frozen=True)
class OtherThing:
    thing_id: int


@pytest.fixture
def subscribed():
    """Subscribe handlers for one test only; the apps' own subscribers stay in place."""
    added = []

    def add(event_type, handler):
        events.subscribe(event_type, handler)
        added.append((event_type, handler))

    yield add
    for event_type, handler in added:
        events.unsubscribe(event_type, handler)


def recorder(subscribed, *event_types):
    seen = []
    for event_type in event_types:
        subscribed(event_type, seen.append)
    return seen


def test_publish_calls_the_subscribers_of_exactly_that_type_in_order(subscribed):
    calls = []
    subscribed(Happened, lambda e: calls.append(("first", e.thing_id)))
    subscribed(Happened, lambda e: calls.append(("second", e.thing_id)))
    events.publish(Happened(thing_id=7))
    events.publish(OtherThing(thing_id=8))  # nobody listens: nothing happens
    assert calls == [("first", 7), ("second", 7)]


def test_subscribing_the_same_handler_twice_calls_it_once(subscribed):
    seen = recorder(subscribed, Happened, Happened)
    events.publish(Happened(thing_id=1))
    assert seen == [Happened(thing_id=1)]


def test_events_are_frozen_values():
    event = ReportsOverdue(report_ids=(1, 2))
    with pytest.raises(FrozenInstanceError):
        event.report_ids = ()  # type: ignore[misc]


@pytest.mark.django_db
def test_subscribers_run_inside_the_publishers_transaction(subscribed):
    """A subscriber's rows commit or roll back with the change (the webhooks outbox rule)."""
    subscribed(Happened, lambda e: DepartmentFactory(code=f"ev{e.thing_id}"))
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Happened(thing_id=1))
        assert Department.objects.filter(code="ev1").exists()  # written, not yet committed
        raise RuntimeError("the publisher fails after publishing")
    assert not Department.objects.filter(code="ev1").exists()


@pytest.mark.django_db
def test_a_subscriber_error_propagates_and_rolls_back_the_change(subscribed):
    def broken(_event):
        raise RuntimeError("subscriber failed")

    subscribed(Happened, broken)
    with pytest.raises(RuntimeError, match="subscriber failed"), transaction.atomic():
        DepartmentFactory(code="ev2")
        events.publish(Happened(thing_id=2))
    assert not Department.objects.filter(code="ev2").exists()


@pytest.mark.django_db
def test_a_failing_subscriber_rolls_back_a_transition(subscribed):
    report = ReportFactory()

    def broken(_event):
        raise RuntimeError("subscriber failed")

    subscribed(ReportStatusChanged, broken)
    with pytest.raises(RuntimeError):
        workflow.route(report, department=DepartmentFactory())
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert not ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.ROUTED).exists()


@pytest.mark.django_db
def test_transitions_publish_what_happened(subscribed):
    seen = recorder(subscribed, ReportStatusChanged, ReportValidated)
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="已清理")
    report = workflow.confirm(report)
    assert seen == [
        ReportStatusChanged(report.pk, "route", ReportStatus.SUBMITTED, ReportStatus.ROUTED),
        # Resolving alone validates nothing: the rider's check does (issue 14).
        ReportStatusChanged(report.pk, "resolve", ReportStatus.ROUTED, ReportStatus.RESOLVED),
        # Validated first: the reward is queued before the webhook deliveries, as before.
        ReportValidated(report.pk),
        ReportStatusChanged(report.pk, "confirm", ReportStatus.RESOLVED, ReportStatus.CONFIRMED),
    ]


@pytest.mark.django_db
def test_validating_by_hand_publishes_only_the_validation(subscribed):
    seen = recorder(subscribed, ReportStatusChanged, ReportValidated)
    report = workflow.to_dispatcher(ReportFactory())
    seen.clear()
    report = workflow.validate(report, actor=None)
    assert report.status == ReportStatus.WITH_DISPATCHER
    assert seen == [ReportValidated(report.pk)]


@pytest.mark.django_db
def test_the_sweep_publishes_one_event_per_stage_for_all_its_reports(subscribed):
    seen = recorder(subscribed, ReportsOverdue, ReportsEscalated)
    department = DepartmentFactory()
    reports = [workflow.route(ReportFactory(), department=department) for _ in range(3)]
    latest = max(r.routed_at for r in reports)
    services.report_deadlines_sweep(now=latest + dt.timedelta(hours=25))
    assert len(seen) == 1
    assert isinstance(seen[0], ReportsOverdue)
    assert sorted(seen[0].report_ids) == sorted(r.pk for r in reports)
    services.report_deadlines_sweep(now=latest + dt.timedelta(hours=49))
    assert isinstance(seen[1], ReportsEscalated) and len(seen[1].report_ids) == 3


@pytest.mark.django_db
def test_the_status_comes_from_the_table():
    report = workflow.transition(ReportFactory(), "to_dispatcher", department=None)
    assert report.status == workflow.TRANSITIONS["to_dispatcher"].target
    assert Report.objects.get(pk=report.pk).status == ReportStatus.WITH_DISPATCHER
    with pytest.raises(ValueError):
        workflow.transition(ReportFactory(), "to_dispatcher", rider=None)
    closed = workflow.close_invalid(ReportFactory(), actor=None, reason="no")
    with pytest.raises(workflow.IllegalTransition) as refused:
        workflow.validate(closed, actor=None)
    assert refused.value.code == "not_validatable"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_governance_imports_neither_rewards_nor_webhooks():
    governance = Path(settings.BASE_DIR) / "governance"
    offenders = {
        f"{path.relative_to(governance)}: {name}"
        for path in governance.rglob("*.py")
        for name in _imported_modules(path)
        if name.split(".")[0] in {"rewards", "webhooks"}
    }
    assert offenders == set()
