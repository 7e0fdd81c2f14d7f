"""The responsible department's figures in GeoReport's `service_notice` (issue 14): the
standard has no field for a department's performance, and service_notice is its free text about
the action to expect. Computed from the scorecard, in the reader's language, cached."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import workflow
from governance.models import FixAnswer
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory(name="市北区城管局", name_en="Shibei Urban Management")


def row(client, report, language="zh-hans") -> dict:
    [item] = client.get(
        f"/open311/v2/requests/{report.public_id}.json", HTTP_ACCEPT_LANGUAGE=language
    ).json()
    return item


def test_the_departments_figures_in_both_languages(client, department):
    fixed = workflow.route(ReportFactory(), department=department)
    workflow.resolve(fixed, department=department, reply="已清理完毕")
    FixAnswer.objects.create(
        report=fixed,
        rider=fixed.rider,
        round=0,
        outcome=FixAnswer.Outcome.FIXED,
        satisfaction=FixAnswer.Satisfaction.SATISFIED,
    )
    waiting = workflow.route(ReportFactory(), department=department)

    notice = row(client, waiting)["service_notice"]
    assert "市北区城管局" in notice and "2" in notice
    assert "50%" in notice  # one of two closed, by its deadline; answered in time the same
    assert "100%" in notice  # the one real answer was satisfied
    english = row(client, waiting, "en")["service_notice"]
    assert english.startswith("Shibei Urban Management, last 30 days: 2 reports")
    assert "Reporters satisfied with the fix: 100%." in english


def test_no_department_no_notice(client):
    assert row(client, ReportFactory())["service_notice"] is None


def test_the_figures_are_computed_once_per_language_and_cached(
    client, department, django_assert_num_queries
):
    report = workflow.route(ReportFactory(), department=department)
    row(client, report)  # fills the cache
    with django_assert_num_queries(2):  # the report with its photos: no scorecard queries
        assert "市北区城管局" in row(client, report)["service_notice"]
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        row(client, report)
    assert len(context.captured_queries) > 2  # the scorecard ran again


def test_the_list_carries_it_too(client, department):
    workflow.route(ReportFactory(), department=department)
    ReportFactory()  # not routed: no department, no notice
    rows = client.get("/open311/v2/requests.json").json()
    assert sorted(bool(r["service_notice"]) for r in rows) == [False, True]
