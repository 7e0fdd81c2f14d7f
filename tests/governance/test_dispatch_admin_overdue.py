"""Overdue reports first in the reports admin, the whole history and the dispatch queue alike
(issue 17 item 8); a column the dispatcher clicks still wins; a closed report that was late
once is history, not first."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation

from governance import services, workflow
from governance.admin import ReportAdmin
from governance.models import Report
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory, category

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:governance_report_changelist")


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Dispatcher"))
    client.force_login(user)
    return user


def shown(client, params=None) -> list[str]:
    response = client.get(QUEUE, params or {})
    assert response.status_code == 200
    return [r.public_id for r in response.context["cl"].result_list]


@pytest.fixture
def reports():
    department = DepartmentFactory()
    late = workflow.route(ReportFactory(latitude=36.1), department=department)
    services.report_deadlines_sweep(now=late.due_at + dt.timedelta(minutes=1))
    # Newer and urgent, but on time: after the late one all the same.
    urgent = workflow.route(
        ReportFactory(category=category("blocked-fire-lane"), latitude=37), department=department
    )
    # Late once, then resolved: the sweep's flag stays, but nobody needs to chase it.
    done = workflow.route(ReportFactory(latitude=38), department=department)
    Report.objects.filter(pk=done.pk).update(is_overdue=True)
    workflow.acknowledge(done, department=department)
    workflow.resolve(done, department=department, reply="杂物已清理，楼道已畅通。")
    # Past its deadline before the sweep ran: the countdown is red, so it is late here too.
    unswept = workflow.route(ReportFactory(latitude=39), department=department)
    Report.objects.filter(pk=unswept.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    return {"late": late, "urgent": urgent, "done": done, "unswept": unswept}


def test_the_whole_history_lists_the_overdue_first_then_newest(client, dispatcher, reports):
    ids = shown(client)
    assert set(ids[:2]) == {reports["late"].public_id, reports["unswept"].public_id}
    assert ids[2:] == [reports["done"].public_id, reports["urgent"].public_id]


def test_the_queue_lists_the_overdue_before_the_urgent(client, dispatcher, reports):
    ids = shown(client, {"status__exact": "routed"})
    assert ids[-1] == reports["urgent"].public_id
    assert set(ids[:2]) == {reports["late"].public_id, reports["unswept"].public_id}


def test_a_clicked_column_still_wins(client, dispatcher, reports):
    # Column 9 is "submitted at"; ascending: the oldest first, late or not.
    ids = shown(client, {"o": "9"})
    assert ids[0] == reports["late"].public_id and ids[-1] == reports["unswept"].public_id


def test_a_bad_ordering_parameter_falls_back_to_overdue_first(client, dispatcher, reports):
    response = client.get(QUEUE, {"o": "nonsense"})
    # Django's admin answers a bad parameter with its error redirect, never a 500.
    assert response.status_code in (200, 302)


def test_outsiders_do_not_see_the_queue(client, reports):
    client.force_login(StaffFactory())
    assert client.get(QUEUE).status_code == 403


def test_the_countdown_never_shows_a_negative_overdue(client, dispatcher, reports):
    """A report flagged overdue whose deadline lies ahead again (here: swept with a later
    clock) says so, instead of "-71.9 h overdue"; one past its deadline counts the hours."""
    report_admin = ReportAdmin(Report, None)
    with translation.override("en"):
        late = report_admin.countdown(Report.objects.get(pk=reports["late"].pk))
        unswept = report_admin.countdown(Report.objects.get(pk=reports["unswept"].pk))
    assert re.search(r"overdue, now \d+\.\d h left", late) and not re.search(r"-\d", late)
    assert "countdown--red" in late
    assert "0.0 h overdue" in unswept and "countdown--red" in unswept
