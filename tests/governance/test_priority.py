"""Priority (issue 14): the category's default at submission, deadlines per priority (clamped to
the normal one), the dispatcher's change with a reason (deadline recomputed, paused clocks
kept), the deadline sweep after a change, and the urgent page to the department's webhook."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from core.errors import DomainError
from core.events import subscribe, unsubscribe
from governance import selectors, services, workflow
from governance.events import ReportUrgent
from governance.models import Priority, Report, ReportEvent, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, category, photo_upload
from webhooks.models import Delivery, Event, Webhook

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def dispatcher():
    from tests.factories import StaffFactory

    return StaffFactory()


@pytest.fixture
def pages():
    seen: list[ReportUrgent] = []
    subscribe(ReportUrgent, seen.append)
    yield seen
    unsubscribe(ReportUrgent, seen.append)


def routed_at(when, department, **kwargs) -> Report:
    with time_machine.travel(when, tick=False):
        return workflow.route(ReportFactory(**kwargs), department=department)


def prioritise_at(when, report, priority, by=None, reason="消防通道被占，影响疏散") -> Report:
    with time_machine.travel(when, tick=False):
        return services.report_prioritise(report=report, priority=priority, reason=reason, by=by)


# --- the category's default ------------------------------------------------------------------


def test_a_submitted_report_takes_its_categorys_default_priority(department):
    fire = category("blocked-fire-lane")  # urgent by migration 0017
    assert fire.default_priority == Priority.URGENT
    rider = ReportFactory().rider
    report = services.report_submit(
        rider=rider,
        category=fire,
        description="消防通道被电动车堵住",
        district=rider.district,
        latitude=Decimal("36.15"),
        longitude=Decimal("120.43"),
        photos=[photo_upload()],
    )
    assert report.priority == Priority.URGENT
    report = workflow.route(Report.objects.get(pk=report.pk), department=department)
    assert report.due_at - report.routed_at == 4 * HOUR  # REPORT_URGENT_HOURS, not its 12 h
    assert ReportFactory().priority == Priority.NORMAL  # stairwell clutter: normal


def test_hours_for_clamps_to_the_normal_deadline(settings):
    settings.REPORT_URGENT_HOURS, settings.REPORT_LOW_HOURS = 4, 72
    stairwell = category()
    stairwell.closure_hours = 2
    assert stairwell.hours_for(Priority.URGENT) == 2  # never slower than normal
    assert stairwell.hours_for(Priority.NORMAL) == 2
    stairwell.closure_hours = 100
    assert stairwell.hours_for(Priority.LOW) == 100  # never faster than normal
    assert stairwell.hours_for(Priority.URGENT) == 4
    stairwell.urgent_hours, stairwell.low_hours = 1, 200
    assert stairwell.hours_for(Priority.URGENT) == 1  # the category's own wins
    assert stairwell.hours_for(Priority.LOW) == 200


# --- the dispatcher's change -----------------------------------------------------------------


def test_prioritise_recomputes_the_deadline_and_says_so_in_the_timeline(department, dispatcher):
    report = routed_at(T0, department)
    assert report.due_at == T0 + 24 * HOUR
    report = prioritise_at(T0 + HOUR, report, "urgent", by=dispatcher)
    assert report.priority == Priority.URGENT
    assert report.routed_at == T0 and report.due_at == T0 + 4 * HOUR
    assert report.next_check_at == T0 + 3 * HOUR  # the ¾ warning of the new deadline
    event = report.events.get(kind=ReportEvent.Kind.PRIORITY)
    assert event.actor == dispatcher and event.public is False
    with translation.override("en"):
        assert event.text == "Priority: Normal → Urgent: 消防通道被占，影响疏散"
    report = prioritise_at(T0 + 2 * HOUR, report, Priority.LOW)
    assert report.due_at == T0 + 72 * HOUR
    with translation.override("en"):
        assert (
            report.events.filter(kind=ReportEvent.Kind.PRIORITY)
            .last()
            .text.startswith("Priority: Urgent → Low")
        )


def test_the_rider_sees_nothing_of_the_priority(department):
    report = routed_at(T0, department)
    prioritise_at(T0 + HOUR, report, "urgent")
    shown = selectors.report_for_rider(rider=report.rider, public_id=report.public_id)
    assert ReportEvent.Kind.PRIORITY not in {e.kind for e in shown.public_events}


def test_prioritise_while_waiting_keeps_the_pause(department):
    report = routed_at(T0, department)
    with time_machine.travel(T0 + HOUR, tick=False):
        report = workflow.ask(report, department=department, question="哪个单元？")
    assert report.status == ReportStatus.WAITING
    report = prioritise_at(T0 + 2 * HOUR, report, "low")
    assert report.due_at == T0 + 72 * HOUR and report.next_check_at is None  # still paused
    with time_machine.travel(T0 + 5 * HOUR, tick=False):
        report = workflow.answer(report)
    # Four hours paused (1 h to 5 h) move the low-priority deadline on by four hours.
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert report.due_at == T0 + 76 * HOUR and report.next_check_at is not None


def test_an_overdue_report_made_low_is_no_longer_overdue(department):
    report = routed_at(T0, department)
    services.report_deadlines_sweep(now=T0 + 25 * HOUR)
    report.refresh_from_db()
    assert report.is_overdue
    report = prioritise_at(T0 + 26 * HOUR, report, "low")
    assert not report.is_overdue and report.due_at == T0 + 72 * HOUR
    # Before ¾ of the new deadline: the warning is cleared and comes again at 54 h.
    assert report.warned_at is None and report.next_check_at == T0 + 54 * HOUR


def test_a_normal_report_made_urgent_after_five_hours_is_flagged_by_the_next_sweep(department):
    report = routed_at(T0, department)
    report = prioritise_at(T0 + 5 * HOUR, report, "urgent")
    assert report.due_at == T0 + 4 * HOUR and not report.is_overdue
    assert report.next_check_at == T0 + 5 * HOUR
    services.report_deadlines_sweep(now=T0 + 5 * HOUR + dt.timedelta(minutes=1))
    report.refresh_from_db()
    assert report.is_overdue
    assert report.events.filter(note_kind="governance.deadline_passed").exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_reason_is_required_and_nothing_changes_without_it(department, reason):
    report = routed_at(T0, department)
    with pytest.raises(DomainError) as refused:
        prioritise_at(T0 + HOUR, report, "urgent", reason=reason)
    assert refused.value.code == "reason_required"
    report.refresh_from_db()
    assert report.priority == Priority.NORMAL and report.due_at == T0 + 24 * HOUR
    assert not report.events.filter(kind=ReportEvent.Kind.PRIORITY).exists()


@pytest.mark.parametrize("value", ["high", "0", "4", "", "1.5"])
def test_a_bad_priority_is_a_translated_domain_error(department, value):
    report = routed_at(T0, department)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        prioritise_at(T0 + HOUR, report, value)
    assert refused.value.code == "priority_invalid"
    assert "urgent, normal or low" in refused.value.message
    report.refresh_from_db()
    assert report.priority == Priority.NORMAL


def test_the_same_priority_again_is_refused(department):
    report = routed_at(T0, department)
    with pytest.raises(DomainError) as refused:
        prioritise_at(T0 + HOUR, report, "normal")
    assert refused.value.code == "same_priority"


def test_a_closed_report_keeps_its_priority(department):
    report = routed_at(T0, department)
    report = workflow.resolve(report, department=department, reply="已清理完毕")
    report = workflow.confirm(report)
    with pytest.raises(DomainError) as refused:
        prioritise_at(T0 + HOUR, report, "urgent")
    assert refused.value.code == "illegal_transition"


# --- the urgent page -------------------------------------------------------------------------


def test_report_urgent_is_published_once_per_reaching_urgent(department, pages):
    report = routed_at(T0, department, category=category("fire-hazard"))
    assert [(p.report_id, p.department_id) for p in pages] == [(report.pk, department.pk)]
    workflow.acknowledge(report, department=department)
    prioritise_at(T0 + HOUR, report, "normal")
    assert len(pages) == 1  # acknowledging or lowering pages nobody
    prioritise_at(T0 + 2 * HOUR, report, "urgent")
    assert len(pages) == 2  # made urgent again: paged again


def test_a_report_without_a_department_is_not_paged(pages):
    report = workflow.to_dispatcher(ReportFactory())
    services.report_prioritise(report=report, priority="urgent", reason="火情", by=None)
    assert pages == []


@pytest.mark.parametrize("queue", ["urgent", ""])
def test_the_urgent_page_reaches_the_departments_hook_only(
    department, django_capture_on_commit_callbacks, monkeypatch, settings, queue
):
    settings.WEBHOOK_URGENT_QUEUE = queue
    hooks = {
        "mine": Webhook.objects.create(
            label="mine", url="http://127.0.0.1:1/m", department=department, events=[Event.URGENT]
        ),
        "mine, not listening": Webhook.objects.create(
            label="mine, not listening",
            url="http://127.0.0.1:1/n",
            department=department,
            events=[Event.ROUTED],
        ),
        "other": Webhook.objects.create(
            label="other",
            url="http://127.0.0.1:1/o",
            department=DepartmentFactory(),
            events=[Event.URGENT],
        ),
    }
    from webhooks import tasks

    queued = []
    monkeypatch.setattr(
        tasks.deliver_webhook,
        "apply_async",
        lambda args, kwargs=None, **options: queued.append((args, options.get("queue"))),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = routed_at(T0, department)
        prioritise_at(T0 + HOUR, report, "urgent")
    urgent = Delivery.objects.filter(event=Event.URGENT)
    assert [d.webhook for d in urgent] == [hooks["mine"]]
    page = urgent.get()
    assert page.payload["event"] == "report.urgent"
    assert page.payload["report"]["id"] == report.public_id
    assert page.payload["report"]["due_at"] == (T0 + 4 * HOUR).isoformat()
    # On its own queue, so no backlog of slower deliveries holds it up ("": the default one).
    routed = Delivery.objects.get(event=Event.ROUTED)
    assert queued == [((routed.pk,), None), ((page.pk,), queue or None)]
