"""Background routing: rules, the category default, the dispatcher fallback, duplicates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from governance import services, workflow
from governance.models import Report, ReportStatus, RoutingRule
from governance.tasks import route_report
from tests.factories import DepartmentFactory, ReportFactory, category, qingdao_district

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    licang_fire = DepartmentFactory(code="licang-fire")
    city_fire = DepartmentFactory(code="city-fire")
    housing = DepartmentFactory(code="housing")
    RoutingRule.objects.create(
        category=category("fire-hazard"),
        district=qingdao_district("李沧区"),
        department=licang_fire,
    )
    RoutingRule.objects.create(category=category("fire-hazard"), department=city_fire)
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=housing)
    return {"licang_fire": licang_fire, "city_fire": city_fire, "housing": housing}


def routed(report: Report) -> Report:
    route_report.delay(report.pk)
    report.refresh_from_db()
    return report


def test_district_rule_wins_over_the_category_default(rules):
    report = routed(ReportFactory(category=category("fire-hazard")))
    assert report.status == ReportStatus.ROUTED
    assert report.department == rules["licang_fire"]
    # fire-hazard: 12 h, but urgent by default (governance 0017), so REPORT_URGENT_HOURS: 4 h.
    assert report.due_at == report.routed_at + dt.timedelta(hours=4)


def test_category_default_covers_other_districts(rules):
    report = routed(
        ReportFactory(category=category("fire-hazard"), district=qingdao_district("市南区"))
    )
    assert report.department == rules["city_fire"]


def test_no_rule_goes_to_the_dispatcher(rules):
    report = routed(ReportFactory(category=category("road-hazard")))
    assert report.status == ReportStatus.WITH_DISPATCHER
    assert report.department is None
    assert report.due_at is None


def test_inactive_department_is_skipped(rules):
    rules["licang_fire"].is_active = False
    rules["licang_fire"].save()
    report = routed(ReportFactory(category=category("fire-hazard")))
    assert report.department == rules["city_fire"]


def test_routing_twice_routes_once(rules):
    report = ReportFactory()
    services.report_route_automatically(report_id=report.pk)
    services.report_route_automatically(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.ROUTED
    assert report.events.filter(kind="routed").count() == 1


def test_routing_a_missing_report_is_harmless():
    assert services.report_route_automatically(report_id=999_999) is None


def test_nearby_report_of_the_same_category_is_linked_not_routed(rules):
    first = routed(ReportFactory(latitude=Decimal("36.140000"), longitude=Decimal("120.430000")))
    # About 30 m north: within the default 50 m radius.
    second = routed(ReportFactory(latitude=Decimal("36.140270"), longitude=Decimal("120.430000")))
    assert second.status == ReportStatus.DUPLICATE
    assert second.duplicate_of == first
    assert second.department is None
    assert first.rider.user.notifications.count() == 1  # the first rider: routed
    assert first.public_id in second.rider.user.notifications.get().heading


def test_far_away_or_other_category_or_old_reports_are_not_duplicates(rules):
    first = routed(ReportFactory(latitude=Decimal("36.140000"), longitude=Decimal("120.430000")))
    far = routed(ReportFactory(latitude=Decimal("36.141000"), longitude=Decimal("120.430000")))
    other = routed(
        ReportFactory(
            category=category("fire-hazard"),
            latitude=Decimal("36.140000"),
            longitude=Decimal("120.430000"),
        )
    )
    assert far.status == other.status == ReportStatus.ROUTED
    Report.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(hours=73))
    Report.objects.filter(pk=far.pk).update(created_at=timezone.now() - dt.timedelta(hours=73))
    late = routed(ReportFactory(latitude=Decimal("36.140000"), longitude=Decimal("120.430000")))
    assert late.status == ReportStatus.ROUTED


def test_closed_reports_do_not_attract_duplicates(rules):
    first = routed(ReportFactory(latitude=Decimal("36.140000"), longitude=Decimal("120.430000")))
    workflow.resolve(first, department=first.department, reply="cleared")
    second = routed(ReportFactory(latitude=Decimal("36.140000"), longitude=Decimal("120.430000")))
    assert second.status == ReportStatus.ROUTED


def test_sweep_requeues_reports_left_unrouted(rules):
    stuck = ReportFactory()
    fresh = ReportFactory(latitude=Decimal("36.200000"))
    Report.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert services.unrouted_reports_requeue() == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == ReportStatus.ROUTED
    assert fresh.status == ReportStatus.SUBMITTED  # under a minute old: its own task is coming


def test_rule_changes_apply_at_once(rules):
    road = category("road-hazard")
    assert services.department_for(category=road, district=qingdao_district()) is None
    rule = RoutingRule.objects.create(category=road, department=rules["housing"])
    assert services.department_for(category=road, district=qingdao_district()) == rules["housing"]
    rule.delete()
    assert services.department_for(category=road, district=qingdao_district()) is None


def test_routing_tells_a_rider_who_joined_before_it_was_routed(rules):
    from core.models import Notification
    from governance.models import ReportSupporter
    from tests.factories import RiderFactory

    report = ReportFactory(category=category("stairwell-clutter"))
    joiner = RiderFactory()
    ReportSupporter.objects.create(report=report, rider=joiner)
    report = routed(report)
    assert report.status == ReportStatus.ROUTED
    assert Notification.objects.filter(recipient=joiner.user).count() == 1
    assert Notification.objects.filter(recipient=report.rider.user).count() == 1


def test_routing_a_report_nobody_joined_spends_no_query_on_supporters(
    rules, django_assert_num_queries
):
    """Lock, duplicate search, update, timeline line, the rider's message (and the
    transaction's own statements): the routing path of issue 18, no supporter lookup."""
    report = ReportFactory(category=category("stairwell-clutter"))
    services.report_route_automatically(report_id=report.pk)  # warm the rules' memo
    other = ReportFactory(category=category("stairwell-clutter"), latitude=Decimal("30.5"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.report_route_automatically(report_id=other.pk)
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "governance_reportsupporter" in s and "EXISTS" not in s]
    assert sum(1 for s in sql if not s.startswith(("SAVEPOINT", "RELEASE"))) == 6
    other.refresh_from_db()
    assert other.status == ReportStatus.ROUTED


def test_a_second_run_of_the_routing_leaves_a_routed_report_alone(rules):
    report = routed(ReportFactory(category=category("stairwell-clutter")))
    routed_at = report.routed_at
    assert services.report_route_automatically(report_id=report.pk).status == ReportStatus.ROUTED
    report.refresh_from_db()
    assert report.routed_at == routed_at
    assert report.events.filter(kind="routed").count() == 1
    assert services.report_route_automatically(report_id=10**9) is None
