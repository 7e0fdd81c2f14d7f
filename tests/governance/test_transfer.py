"""Transfer (转办, issue 14): the lead department asks to hand a report to another department of
its city; the dispatcher approves (a re-route with a fresh deadline) or refuses with a note
(the report stays on its original deadline), or a rule approves a known pair at once. One
request waits per report; only the lead asks; the rider reads only the approved transfer."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from core.errors import DomainError
from core.messages import render_title
from core.models import City, Notification
from core.roles import DISPATCHER
from governance import services, workflow
from governance.models import (
    Report,
    ReportEvent,
    ReportStatus,
    TransferRequest,
    TransferRule,
)
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory

pytestmark = pytest.mark.django_db
S = ReportStatus
T = TransferRequest.Status
K = ReportEvent.Kind
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def lead():
    return DepartmentFactory(code="licang-housing", name="李沧住建局", name_en="Housing")


@pytest.fixture
def other():
    return DepartmentFactory(code="licang-water", name="李沧供水", name_en="Water")


@pytest.fixture
def dispatcher():
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    return user


def routed(department, **kwargs) -> Report:
    return workflow.route(ReportFactory(**kwargs), department=department)


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def ask(report, lead, other, reason="井盖归供水公司管理") -> TransferRequest:
    return services.transfer_request(
        report=report, department=lead, to_department=other, reason=reason
    )


def test_a_request_waits_for_the_dispatcher_who_is_told(lead, other, dispatcher):
    report = routed(lead)
    transfer = ask(report, lead, other)
    assert transfer.status == T.PENDING and not transfer.by_rule
    assert transfer.decide_by == transfer.requested_at + dt.timedelta(hours=2)
    report = fresh(report)
    assert (report.status, report.department) == (S.ROUTED, lead)
    event = report.events.latest("id")
    assert (event.kind, event.public, event.note) == (K.TRANSFER_ASKED, False, "井盖归供水公司管理")
    note = Notification.objects.get(recipient=dispatcher)
    with translation.override("en"):
        title = render_title(note.kind, note.params)
    assert (
        title
        == f"Housing asks to transfer report {report.public_id} to Water: approve or refuse it."
    )
    assert note.link.endswith(f"/transferrequest/{transfer.pk}/change/")


def test_approved_the_other_department_gets_it_with_a_fresh_deadline(lead, other, dispatcher):
    with time_machine.travel(START, tick=False):
        report = routed(lead)
        first_due = report.due_at
    with time_machine.travel(START + dt.timedelta(hours=5), tick=False):
        transfer = ask(report, lead, other)
    # A request does not buy time: the requester's clock ran on while it waited.
    with time_machine.travel(START + dt.timedelta(hours=6), tick=False):
        assert fresh(report).due_at == first_due
        services.transfer_decide(transfer=transfer, approve=True, by=dispatcher, note="同意")
        now = timezone.now()
    report = fresh(report)
    hours = report.category.hours_for(report.priority)
    assert (report.status, report.department) == (S.ROUTED, other)
    assert report.routed_at == now and report.due_at == now + dt.timedelta(hours=hours)
    assert report.acknowledged_at is None and report.escalation_level == 0
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.decision_note) == (
        T.APPROVED,
        dispatcher,
        "同意",
    )
    line = report.events.latest("id")
    assert (line.kind, line.public, line.department, line.actor) == (
        K.TRANSFERRED,
        True,
        other,
        dispatcher,
    )
    assert "李沧住建局" in line.text and "李沧供水" in line.text


def test_refused_the_report_stays_on_its_original_deadline(lead, other, dispatcher):
    with time_machine.travel(START, tick=False):
        report = routed(lead)
        before = fresh(report)
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        transfer = ask(report, lead, other)
        services.transfer_decide(
            transfer=transfer, approve=False, by=dispatcher, note="属于你们的职责"
        )
    report = fresh(report)
    assert (report.status, report.department, report.routed_at, report.due_at) == (
        S.ROUTED,
        lead,
        before.routed_at,
        before.due_at,
    )
    event = report.events.latest("id")
    assert (event.kind, event.public, event.note) == (K.TRANSFER_REFUSED, False, "属于你们的职责")
    assert fresh_transfer(transfer).status == T.REFUSED
    # Refused, it may ask again (the one-pending rule is about waiting requests).
    assert ask(report, lead, other, reason="再次申请").status == T.PENDING


def fresh_transfer(transfer) -> TransferRequest:
    return TransferRequest.objects.get(pk=transfer.pk)


def test_refusing_needs_a_note_and_writes_nothing_without_it(lead, other, dispatcher):
    transfer = ask(routed(lead), lead, other)
    with pytest.raises(DomainError) as error:
        services.transfer_decide(transfer=transfer, approve=False, by=dispatcher, note="  ")
    assert error.value.code == "reason_required"
    assert fresh_transfer(transfer).status == T.PENDING


def test_a_rule_approves_a_known_pair_at_once(lead, other):
    TransferRule.objects.create(from_department=lead, to_department=other)
    report = routed(lead)
    transfer = ask(report, lead, other)
    assert (transfer.status, transfer.by_rule) == (T.APPROVED, True)
    assert transfer.decided_at is not None and transfer.decided_by is None
    assert (fresh(report).department, fresh(report).status) == (other, S.ROUTED)
    assert not report.events.filter(kind=K.TRANSFER_ASKED).exists()


def test_an_inactive_rule_does_not_approve(lead, other):
    TransferRule.objects.create(from_department=lead, to_department=other, is_active=False)
    assert ask(routed(lead), lead, other).status == T.PENDING


def test_one_request_waits_per_report(lead, other):
    report = routed(lead)
    ask(report, lead, other)
    third = DepartmentFactory()
    with pytest.raises(workflow.IllegalTransition) as error:
        ask(report, lead, third)
    assert error.value.code == "transfer_pending"
    assert report.transfers.count() == 1


def test_only_the_lead_department_asks(lead, other):
    report = routed(lead)
    with pytest.raises(workflow.IllegalTransition) as error:
        ask(report, other, DepartmentFactory())
    assert error.value.code == "not_your_report"
    services.assist_add(report=report, department=other, by=None)
    with pytest.raises(workflow.IllegalTransition) as error:
        ask(report, other, DepartmentFactory())
    assert error.value.code == "not_lead"
    assert not report.transfers.exists()


def test_only_a_report_being_worked_can_be_transferred(lead, other):
    report = workflow.resolve(routed(lead), department=lead, reply="已处理完毕")
    with pytest.raises(workflow.IllegalTransition) as error:
        ask(report, lead, other)
    assert error.value.code == "illegal_transition"


@pytest.mark.parametrize("target", ["inactive", "other_city", "none", "itself"])
def test_the_target_must_be_another_active_department_of_the_city(lead, target):
    if target == "inactive":
        department = DepartmentFactory(is_active=False)
    elif target == "other_city":
        city = City.objects.create(code="jinan", name="济南", name_en="Jinan")
        department = DepartmentFactory(city=city)
    elif target == "none":
        department = None
    else:
        department = lead
    report = routed(lead)
    with pytest.raises(services.TransferInvalid) as error:
        ask(report, lead, department)
    assert error.value.code == ("same_department" if target == "itself" else "department_unknown")
    assert list(error.value.fields) == ["department"]
    assert not report.transfers.exists()
    assert fresh(report).events.count() == report.events.count()


def test_a_reason_is_required(lead, other):
    report = routed(lead)
    with pytest.raises(services.TransferInvalid) as error:
        ask(report, lead, other, reason="   ")
    assert error.value.fields == {"reason": [error.value.message]}
    assert not report.transfers.exists()


def test_a_request_is_decided_once(lead, other, dispatcher):
    transfer = ask(routed(lead), lead, other)
    services.transfer_decide(transfer=transfer, approve=True, by=dispatcher)
    for approve in (True, False):
        with pytest.raises(workflow.IllegalTransition) as error:
            services.transfer_decide(transfer=transfer, approve=approve, by=dispatcher, note="x")
        assert error.value.code == "transfer_decided"


def test_a_stale_request_cannot_be_approved(lead, other, dispatcher):
    """The dispatcher re-routed the report meanwhile: approving would take it from a department
    that no longer has it; refusing still closes the request."""
    report = routed(lead)
    transfer = ask(report, lead, other)
    workflow.route(fresh(report), department=DepartmentFactory(), actor=dispatcher)
    with pytest.raises(workflow.IllegalTransition) as error:
        services.transfer_decide(transfer=transfer, approve=True, by=dispatcher)
    assert error.value.code == "transfer_stale"
    assert fresh_transfer(transfer).status == T.PENDING
    services.transfer_decide(transfer=transfer, approve=False, by=dispatcher, note="已改派")
    assert fresh_transfer(transfer).status == T.REFUSED


def test_the_rider_reads_only_the_approved_transfer(client, lead, other, dispatcher):
    report = routed(lead)
    refused = ask(report, lead, other)
    services.transfer_decide(transfer=refused, approve=False, by=dispatcher, note="不同意")
    services.transfer_decide(
        transfer=ask(report, lead, other, reason="确属供水"), approve=True, by=dispatcher
    )
    client.force_login(report.rider.user)
    page = client.get(f"/reports/{report.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transferred from Housing to Water." in page and "确属供水" in page
    assert "不同意" not in page and "Transfer requested" not in page
    assert "Transfer refused" not in page
    # The rider's inbox says where the report went, as on any routing.
    told = Notification.objects.filter(recipient=report.rider.user).latest("id")
    assert told.params["department"]["en"] == "Water"
