"""The dispatch queue's actions are Django's `@admin.action(permissions=["change"])`: staff who
may only look at reports are neither offered them nor able to run them; dispatchers are."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from core.roles import DISPATCHER
from governance import workflow
from governance.models import ReportStatus
from tests.admin_actions import offered_actions
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:governance_report_changelist")
ACTIONS = ["reroute", "mark_duplicate", "close_invalid", "validate"]


def post_action(client, action: str, report):
    """The action with what each one needs typed into the action bar."""
    data = {"action": action, "_selected_action": [report.pk]}
    if action == "reroute":
        data["department"] = DepartmentFactory().pk
    if action == "mark_duplicate":
        data["original"] = ReportFactory().public_id
    if action == "close_invalid":
        data["reason"] = "照片与描述不符"
    return client.post(QUEUE, data)


def state(report) -> tuple:
    report.refresh_from_db()
    return report.status, report.validated_at, report.events.count()


@pytest.fixture
def viewer(client):
    user = StaffFactory()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="governance", codename="view_report")
    )
    client.force_login(user)
    return user


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return user


def test_view_only_staff_are_not_offered_the_actions(client, viewer):
    page = client.get(QUEUE)
    assert page.status_code == 200
    assert not set(ACTIONS) & set(offered_actions(page))


@pytest.mark.parametrize("action", ACTIONS)
def test_view_only_staff_cannot_run_them(client, viewer, action):
    report = workflow.to_dispatcher(ReportFactory())
    before = state(report)
    response = post_action(client, action, report)
    assert response.status_code in (200, 302)
    assert state(report) == before


def test_dispatchers_are_offered_them(client, dispatcher):
    assert set(ACTIONS) <= set(offered_actions(client.get(QUEUE)))


@pytest.mark.parametrize(
    "action, status",
    [
        ("reroute", ReportStatus.ROUTED),
        ("mark_duplicate", ReportStatus.DUPLICATE),
        ("close_invalid", ReportStatus.INVALID),
        ("validate", ReportStatus.WITH_DISPATCHER),
    ],
)
def test_dispatchers_run_them(client, dispatcher, action, status):
    report = workflow.to_dispatcher(ReportFactory())
    before = state(report)
    post_action(client, action, report)
    after = state(report)
    assert after != before and after[0] == status
    if action == "validate":
        assert after[1] is not None
