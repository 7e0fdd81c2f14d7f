"""Under a report's title the rider reads what happens next — who has it and by when they
answer — not the civic role's name (issue 17 item 8), on the report page and in My reports."""

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import workflow
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


@pytest.fixture
def department():
    return DepartmentFactory(name="李村街道办事处", name_en="Licun Street Office")


def detail(client, report, language="en"):
    response = client.get(
        reverse("reports:detail", args=[report.public_id]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_routed_report_says_who_takes_it_and_by_when(client, rider, department):
    report = workflow.route(ReportFactory(rider=rider), department=department)
    page = detail(client, report)
    due = timezone.localtime(report.due_at).strftime("%m-%d %H:%M")
    assert 'data-next-step="routed"' in page
    assert f"Waiting for Licun Street Office to take it — they answer by {due}." in page
    # The civic role's name is gone from under the title.
    assert str(report.category.role) not in page
    assert report.category.role.name not in detail(client, report, language="zh-hans")


def test_each_step_names_the_next_one(client, rider, department):
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.acknowledge(report, department=department)
    assert 'data-next-step="acknowledged"' in detail(client, report)
    workflow.resolve(report, department=department, reply="杂物已清理，楼道已畅通。")
    assert 'data-next-step="resolved"' in detail(client, report)
    waiting = workflow.to_dispatcher(ReportFactory(rider=rider, latitude=37))
    assert 'data-next-step="dispatch"' in detail(client, waiting)


def test_a_closed_report_has_no_next_step(client, rider):
    report = workflow.close_invalid(ReportFactory(rider=rider), actor=None, reason="照片不符")
    page = detail(client, report)
    assert "data-next-step" not in page and "Closed as invalid" in page


def test_my_reports_shows_the_next_step_of_each(client, rider, department):
    routed = workflow.route(ReportFactory(rider=rider), department=department)
    dispatched = workflow.to_dispatcher(ReportFactory(rider=rider, latitude=37))
    page = client.get(reverse("reports:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("data-next-step=") == 2
    assert 'data-next-step="routed"' in page and 'data-next-step="dispatch"' in page
    assert routed.public_id in page and dispatched.public_id in page
    assert str(routed.category.role) not in page


def test_an_outsider_does_not_see_anothers_next_step(client, rider, department):
    report = workflow.route(ReportFactory(), department=department)
    response = client.get(reverse("reports:detail", args=[report.public_id]))
    assert response.status_code == 404
    page = client.get(reverse("reports:list")).content.decode()
    assert "data-next-step" not in page and report.public_id not in page


def test_an_unknown_report_number_is_not_found(client, rider):
    assert client.get(reverse("reports:detail", args=["RXXXXXXXXX"])).status_code == 404
