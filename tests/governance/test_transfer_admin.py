"""Transfers (转办) and joint handling (联办) in the dispatcher's admin (issue 14): the transfer
requests' list (status, the decision time marked when overdue, filters), approve and refuse
with a note through the services; automatic transfer rules; on the dispatch queue the
"transfer requested" filter, the pending request and the assisting departments on the report
page, and the actions that add and remove an assisting department."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from core.roles import DISPATCHER
from governance import services, workflow
from governance.models import Report, ReportAssist, ReportStatus, TransferRequest, TransferRule
from tests.admin_actions import offered_actions
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory

pytestmark = pytest.mark.django_db
T = TransferRequest.Status
TRANSFERS = reverse("admin:governance_transferrequest_changelist")
RULES = reverse("admin:governance_transferrule_changelist")
QUEUE = reverse("admin:governance_report_changelist")


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return user


@pytest.fixture
def lead():
    return DepartmentFactory(code="licang-housing", name="李沧住建局")


@pytest.fixture
def water():
    return DepartmentFactory(code="licang-water", name="李沧供水")


def requested(lead, water, reason="井盖归供水公司管理") -> TransferRequest:
    report = workflow.route(ReportFactory(), department=lead)
    return services.transfer_request(
        report=report, department=lead, to_department=water, reason=reason
    )


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_list_marks_overdue_requests_and_filters_them(client, dispatcher, lead, water):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=3)):
        late = requested(lead, water)
    in_time = requested(lead, water)
    page = client.get(TRANSFERS)
    assert page.status_code == 200
    html = page.content.decode()
    assert late.report.public_id in html and in_time.report.public_id in html
    assert html.count("countdown--red") == 1
    overdue = client.get(TRANSFERS, {"decision": "overdue"}).content.decode()
    assert late.report.public_id in overdue and in_time.report.public_id not in overdue
    found = client.get(TRANSFERS, {"q": in_time.report.public_id}).content.decode()
    assert in_time.report.public_id in found and late.report.public_id not in found
    assert offered_actions(page)[1:] == ["approve", "refuse"]


def test_a_dispatcher_approves(client, dispatcher, lead, water):
    transfer = requested(lead, water)
    response = client.post(
        TRANSFERS,
        {"action": "approve", "_selected_action": [transfer.pk], "note": "同意"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert flash(response) == ["1 transfer approved."]
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == (T.APPROVED, dispatcher)
    report = Report.objects.get(pk=transfer.report_id)
    assert (report.department, report.status) == (water, ReportStatus.ROUTED)


def test_refusing_needs_a_note(client, dispatcher, lead, water):
    transfer = requested(lead, water)
    data = {"action": "refuse", "_selected_action": [transfer.pk]}
    client.post(TRANSFERS, data, follow=True)
    assert TransferRequest.objects.get(pk=transfer.pk).status == T.PENDING
    client.post(TRANSFERS, {**data, "note": "属于住建职责"}, follow=True)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decision_note) == (T.REFUSED, "属于住建职责")
    assert Report.objects.get(pk=transfer.report_id).department == lead


def test_a_decided_request_is_refused_with_a_message(client, dispatcher, lead, water):
    transfer = requested(lead, water)
    services.transfer_decide(transfer=transfer, approve=True, by=dispatcher)
    response = client.post(
        TRANSFERS, {"action": "approve", "_selected_action": [transfer.pk]}, follow=True
    )
    assert any(transfer.report.public_id in message for message in flash(response))


def test_staff_without_permission_get_403(client, lead, water):
    transfer = requested(lead, water)
    client.force_login(StaffFactory())
    assert client.get(TRANSFERS).status_code == 403
    response = client.post(TRANSFERS, {"action": "approve", "_selected_action": [transfer.pk]})
    assert response.status_code == 403
    assert client.get(RULES).status_code == 403
    assert TransferRequest.objects.get(pk=transfer.pk).status == T.PENDING


def test_viewers_are_not_offered_the_decisions(client, lead, water):
    requested(lead, water)
    user = StaffFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_transferrequest"))
    client.force_login(user)
    assert offered_actions(client.get(TRANSFERS)) == []


def test_a_dispatcher_manages_the_rules(client, dispatcher, lead, water):
    response = client.post(
        reverse("admin:governance_transferrule_add"),
        {"from_department": lead.pk, "to_department": water.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert TransferRule.objects.filter(from_department=lead, to_department=water).exists()
    assert client.get(RULES).status_code == 200


def test_the_queue_filter_and_the_report_page(client, dispatcher, lead, water):
    transfer = requested(lead, water)
    other = workflow.route(ReportFactory(latitude=30), department=lead)
    page = client.get(QUEUE, {"transfer": "pending"}).content.decode()
    assert transfer.report.public_id in page and other.public_id not in page
    html = client.get(
        reverse("admin:governance_report_change", args=[transfer.report_id])
    ).content.decode()
    assert "井盖归供水公司管理" in html and "李沧供水" in html


def test_the_dispatcher_adds_and_removes_an_assisting_department(client, dispatcher, lead, water):
    report = workflow.route(ReportFactory(), department=lead)
    data = {"action": "assist_add", "_selected_action": [report.pk], "department": water.pk}
    client.post(QUEUE, data, follow=True)
    assist = ReportAssist.objects.get(report=report)
    assert (assist.department, assist.added_by) == (water, dispatcher)
    html = client.get(reverse("admin:governance_report_change", args=[report.pk])).content.decode()
    assert "李沧供水" in html
    # Twice is refused with the report named, nothing added.
    response = client.post(QUEUE, data, follow=True)
    assert any(report.public_id in message for message in flash(response))
    assert ReportAssist.objects.filter(report=report).count() == 1
    client.post(QUEUE, {**data, "action": "assist_remove"}, follow=True)
    assert not ReportAssist.objects.filter(report=report).exists()
    # Without a department: a message, nothing done.
    response = client.post(
        QUEUE, {**data, "department": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert flash(response) == ["Choose the department."]
    assert not ReportAssist.objects.filter(report=report).exists()
