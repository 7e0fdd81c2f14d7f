"""The reporter pseudonym departments see is keyed per department (issue #12): stable within
one department, different in every other, so departments cannot link a rider across them."""

import pytest
from rest_framework.test import APIClient

from api.services import token_issue
from governance import workflow
from governance.services import reporter_pseudonym
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db


def test_same_rider_two_departments_get_different_pseudonyms():
    assert reporter_pseudonym(rider_id=7, department_id=1) != reporter_pseudonym(
        rider_id=7, department_id=2
    )


def test_one_department_gets_a_stable_pseudonym_per_rider():
    first = reporter_pseudonym(rider_id=7, department_id=1)
    assert first == reporter_pseudonym(rider_id=7, department_id=1)
    assert first != reporter_pseudonym(rider_id=8, department_id=1)
    assert len(first) == 12 and int(first, 16) >= 0


def test_the_pseudonym_depends_on_the_secret_key(settings):
    before = reporter_pseudonym(rider_id=7, department_id=1)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert reporter_pseudonym(rider_id=7, department_id=1) != before


def api_for(department) -> APIClient:
    _token, key = token_issue(label=f"officer {department.code}", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_two_departments_cannot_link_one_riders_reports_through_the_api():
    rider = RiderFactory()
    housing, roads = DepartmentFactory(), DepartmentFactory()
    at_housing = [workflow.route(ReportFactory(rider=rider), department=housing) for _ in range(2)]
    at_roads = workflow.route(ReportFactory(rider=rider), department=roads)

    def reporter(client, report) -> str:
        return client.get(f"/api/v1/reports/{report.public_id}/").json()["reporter"]

    housing_api, roads_api = api_for(housing), api_for(roads)
    seen_by_housing = {reporter(housing_api, report) for report in at_housing}
    assert len(seen_by_housing) == 1  # one department: the same rider is recognisable
    assert reporter(roads_api, at_roads) not in seen_by_housing
    listed = {row["reporter"] for row in housing_api.get("/api/v1/reports/").json()["results"]}
    assert listed == seen_by_housing
    assert str(rider.pk) not in seen_by_housing


def test_the_dispatch_admin_shows_the_departments_pseudonym(admin_client):
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    page = admin_client.get(f"/admin/governance/report/{report.pk}/change/").content.decode()
    assert reporter_pseudonym(rider_id=report.rider_id, department_id=department.pk) in page
