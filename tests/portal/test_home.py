import pytest
from django.utils import translation

from portal.selectors import home_figures
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


def test_home_counts_active_riders_only():
    RiderFactory.create_batch(3)
    RiderFactory(is_active=False)
    with translation.override("en"):
        figures = {str(f.label): f.value for f in home_figures()}
    assert figures["Active riders"] == 3


def test_home_greets_the_rider_with_tier_and_figures(client):
    rider = RiderFactory(name="王小骑", tier="honour")
    client.force_login(rider.user)
    page = client.get("/").content.decode()
    assert "你好，王小骑" in page
    assert "荣誉骑士" in page
    assert "在岗骑手" in page
    # Figures of features not built yet say so instead of inventing a number.
    assert page.count("即将上线") == 0  # every figure has its feature now


def test_home_counts_beds_in_operating_apartments(client):
    from tests.factories import apartment_with_beds

    apartment_with_beds(6)
    apartment_with_beds(4, status="surveying")
    client.force_login(RiderFactory().user)
    page = client.get("/").content.decode()
    figure = page.split("公寓床位</dt>")[1].split("</dd>")[0]
    assert figure.strip() == "<dd>6"


def test_bottom_navigation_marks_the_current_tab(client):
    client.force_login(RiderFactory().user)
    for url, label in (
        ("/", "首页"),
        ("/services/", "服务"),
        ("/report/", "随手拍"),
        ("/me/", "我的"),
    ):
        page = client.get(url).content.decode()
        assert 'aria-current="page">' in page
        current = page.split('aria-current="page">')[1].split("</a>")[0]
        assert current.endswith(label), (url, current)


def test_home_shows_the_share_of_reports_closed_by_their_deadline():
    from governance import workflow
    from tests.factories import DepartmentFactory, ReportFactory

    department = DepartmentFactory()
    for n in range(4):
        report = workflow.route(ReportFactory(latitude=36 + n / 10), department=department)
        workflow.resolve(report, department=department, reply="ok")
    late = workflow.route(ReportFactory(latitude=37), department=department)
    late.due_at = late.routed_at
    late.save()
    workflow.resolve(late, department=department, reply="late")
    with translation.override("en"):
        figures = {str(f.label): f.value for f in home_figures()}
    assert figures["Reports closed by their deadline, last 30 days"] == 80.0
