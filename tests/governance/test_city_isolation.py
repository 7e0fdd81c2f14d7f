"""Cities as tenants (issue 19), reports: routing stays in the report's city, a report's
department is of its city whoever sends it there, each city runs its categories, and the
dispatch admin of one city never shows another's reports or departments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.urls import reverse

from core.errors import DomainError
from governance import routing, services, workflow
from governance.forms import ReportForm
from governance.models import CityCategory, CityMismatch, Report, ReportStatus, RoutingRule
from governance.tasks import route_report
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    category,
    jinan,
    photo_upload,
    qingdao,
    qingdao_district,
)

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:governance_report_changelist")


@pytest.fixture
def qingdao_dept():
    return DepartmentFactory(code="qd-urban", name="青岛市城管局", name_en="Qingdao Urban")


@pytest.fixture
def jinan_dept():
    return DepartmentFactory(
        code="jn-lixia-urban", name="历下区城管局", name_en="Lixia Urban", city=jinan()
    )


def jinan_report(**kwargs) -> Report:
    district = jinan("lixia")
    return ReportFactory(
        rider=RiderFactory(district=district),
        district=district,
        latitude=Decimal("36.666000"),
        longitude=Decimal("117.076000"),
        address="历下区泉城路 1 号",
        **kwargs,
    )


def routed(report: Report) -> Report:
    route_report.delay(report.pk)
    report.refresh_from_db()
    return report


def staff(client, group: str, *, city=None):
    user = StaffFactory(city=city or qingdao())
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


# --- routing ----------------------------------------------------------------------------------


def test_a_category_wide_rule_of_qingdao_never_routes_a_jinan_report(qingdao_dept):
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=qingdao_dept)
    report = routed(jinan_report(category=category("stairwell-clutter")))
    assert report.status == ReportStatus.WITH_DISPATCHER and report.department is None
    assert services.department_for(category=report.category, district=report.district) is None


def test_each_city_routes_by_its_own_rules(qingdao_dept, jinan_dept):
    clutter = category("stairwell-clutter")
    RoutingRule.objects.create(category=clutter, department=qingdao_dept)
    RoutingRule.objects.create(category=clutter, department=jinan_dept)  # one default per city
    assert RoutingRule.objects.get(department=jinan_dept).city == jinan()
    assert routed(jinan_report(category=clutter)).department == jinan_dept
    assert routed(ReportFactory(category=clutter)).department == qingdao_dept


def test_a_district_rule_wins_over_its_citys_default(jinan_dept):
    shizhong = DepartmentFactory(code="jn-shizhong-urban", city=jinan())
    clutter = category("stairwell-clutter")
    RoutingRule.objects.create(category=clutter, department=jinan_dept)
    RoutingRule.objects.create(category=clutter, district=jinan("shizhong"), department=shizhong)
    report = ReportFactory(
        rider=RiderFactory(district=jinan("shizhong")), district=jinan("shizhong"), category=clutter
    )
    assert routed(report).department == shizhong
    assert routed(jinan_report(category=clutter)).department == jinan_dept


def test_one_default_per_category_and_city(jinan_dept):
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=jinan_dept)
    with pytest.raises(IntegrityError):
        RoutingRule.objects.create(
            category=category("stairwell-clutter"),
            department=DepartmentFactory(city=jinan()),
        )


def test_a_rule_cannot_join_two_cities(qingdao_dept, jinan_dept):
    with pytest.raises(CityMismatch):
        RoutingRule.objects.create(
            category=category("road-hazard"), district=jinan("lixia"), department=qingdao_dept
        )
    with pytest.raises(CityMismatch):
        RoutingRule.objects.create(
            category=category("road-hazard"), city=qingdao(), department=jinan_dept
        )
    assert not RoutingRule.objects.exists()


def test_the_routing_table_is_read_once_for_many_reports(qingdao_dept, jinan_dept):
    RoutingRule.objects.create(category=category("road-hazard"), department=jinan_dept)
    table = routing.table()
    assert routing.table() is table  # the memo: no queries per report
    assert table.city_of(jinan("lixia").pk) == jinan().pk


# --- a report's department is of its city -----------------------------------------------------


def test_routing_by_hand_to_another_citys_department_is_refused(qingdao_dept, jinan_dept):
    report = jinan_report()
    with pytest.raises(workflow.IllegalTransition) as refused:
        workflow.route(report, department=qingdao_dept)
    assert refused.value.code == "department_other_city"
    assert Report.objects.get(pk=report.pk).department is None
    routed_ = workflow.route(report, department=jinan_dept)
    with pytest.raises(workflow.IllegalTransition):
        workflow.route(routed_, department=qingdao_dept)  # re-routing
    with pytest.raises(workflow.IllegalTransition):
        workflow.transfer(routed_, to_department=qingdao_dept)


def test_transfer_and_assist_stay_in_the_city(qingdao_dept, jinan_dept):
    report = workflow.route(jinan_report(), department=jinan_dept)
    with pytest.raises(services.TransferInvalid):
        services.transfer_request(
            report=report, department=jinan_dept, to_department=qingdao_dept, reason="不归我们"
        )
    with pytest.raises(services.TransferInvalid):
        services.assist_add(report=report, department=qingdao_dept, by=None)


def test_a_transfer_tells_the_dispatchers_of_the_reports_city_only(qingdao_dept, jinan_dept):
    from core.models import Notification

    here = StaffFactory(city=jinan())
    there = StaffFactory()
    for user in (here, there):
        user.groups.add(Group.objects.get(name="Dispatcher"))
    other = DepartmentFactory(code="jn-shizhong-urban", city=jinan())
    report = workflow.route(jinan_report(), department=jinan_dept)
    services.transfer_request(
        report=report, department=jinan_dept, to_department=other, reason="属于市中区"
    )
    assert Notification.objects.filter(recipient=here).exists()
    assert not Notification.objects.filter(recipient=there).exists()


# --- each city runs its categories ------------------------------------------------------------


def test_a_category_not_offered_in_the_city_is_not_on_its_riders_form_nor_accepted():
    stall = category("unlicensed-food-stall")
    CityCategory.objects.create(city=jinan(), category=stall, is_enabled=False)
    offered = ReportForm(city_id=jinan().pk).fields["category"].queryset
    assert stall not in offered and category("road-hazard") in offered
    assert stall in ReportForm(city_id=qingdao().pk).fields["category"].queryset
    districts = ReportForm(city_id=jinan().pk).fields["district"].queryset
    assert set(districts) == {jinan("lixia"), jinan("shizhong")}
    rider = RiderFactory(district=jinan("lixia"))
    with pytest.raises(DomainError) as refused:
        services.report_submit(
            rider=rider,
            category=stall,
            description="无证摊点",
            district=rider.district,
            latitude=Decimal("36.666"),
            longitude=Decimal("117.076"),
            photos=[photo_upload()],
        )
    assert refused.value.code == "category_not_offered"
    assert "济南" in refused.value.message
    assert not Report.objects.exists()


def test_the_rider_form_refuses_a_category_the_city_does_not_offer(client):
    stall = category("unlicensed-food-stall")
    CityCategory.objects.create(city=jinan(), category=stall, is_enabled=False)
    rider = RiderFactory(district=jinan("lixia"))
    client.force_login(rider.user)
    page = client.get("/report/").content.decode()
    assert stall.name not in page and category("road-hazard").name in page
    assert "市南区" not in page  # Qingdao's districts are not offered to a Jinan rider


def test_the_citys_deadline_for_a_category(jinan_dept):
    clutter = category("stairwell-clutter")
    CityCategory.objects.create(city=jinan(), category=clutter, closure_hours=96)
    report = workflow.route(jinan_report(category=clutter), department=jinan_dept)
    assert report.due_at - report.routed_at == dt.timedelta(hours=96)
    qingdao_report = workflow.route(ReportFactory(category=clutter), department=DepartmentFactory())
    assert qingdao_report.due_at - qingdao_report.routed_at == dt.timedelta(
        hours=clutter.closure_hours
    )


def test_a_city_deadline_keeps_urgent_within_normal(jinan_dept):
    clutter = category("stairwell-clutter")
    CityCategory.objects.create(city=jinan(), category=clutter, closure_hours=2)
    assert routing.hours_for(clutter, 1, jinan("lixia").pk) <= 2
    assert routing.hours_for(clutter, 3, jinan("lixia").pk) >= 2


# --- the dispatch admin, city by city ---------------------------------------------------------


def test_a_qingdao_dispatcher_never_sees_a_jinan_report(client, qingdao_dept, jinan_dept):
    staff(client, "Dispatcher")
    theirs = workflow.route(jinan_report(), department=jinan_dept)
    ours = workflow.route(ReportFactory(), department=qingdao_dept)
    page = client.get(QUEUE).content.decode()
    assert ours.public_id in page and theirs.public_id not in page
    assert jinan_dept.name not in page  # not in the list filter either
    change = reverse("admin:governance_report_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    assert client.get(reverse("admin:governance_report_change", args=[ours.pk])).status_code == 200


def test_a_qingdao_dispatcher_cannot_route_to_a_jinan_department(client, qingdao_dept, jinan_dept):
    staff(client, "Dispatcher")
    report = workflow.to_dispatcher(ReportFactory())
    page = client.get(QUEUE).content.decode()
    assert f'value="{jinan_dept.pk}"' not in page and f'value="{qingdao_dept.pk}"' in page
    client.post(
        QUEUE,
        {"action": "reroute", "_selected_action": [report.pk], "department": jinan_dept.pk},
        follow=True,
    )
    assert Report.objects.get(pk=report.pk).department is None


def test_a_qingdao_dispatcher_acts_on_no_jinan_report(client, jinan_dept):
    staff(client, "Dispatcher")
    theirs = workflow.route(jinan_report(), department=jinan_dept)
    client.post(
        QUEUE,
        {"action": "close_invalid", "_selected_action": [theirs.pk], "reason": "无效"},
        follow=True,
    )
    assert Report.objects.get(pk=theirs.pk).status == ReportStatus.ROUTED


def test_the_routing_rules_and_departments_of_another_city_are_hidden(client, jinan_dept):
    staff(client, "Centre admin")
    rule = RoutingRule.objects.create(category=category("road-hazard"), department=jinan_dept)
    listing = client.get(reverse("admin:governance_routingrule_changelist")).content.decode()
    assert jinan_dept.name not in listing
    change = reverse("admin:governance_routingrule_change", args=[rule.pk])
    assert client.get(change).status_code == 404
    department = reverse("admin:governance_department_change", args=[jinan_dept.pk])
    assert client.get(department).status_code == 404
    add = client.get(reverse("admin:governance_routingrule_add")).content.decode()
    assert jinan_dept.name not in add and "历下区" not in add


def test_the_city_categories_are_the_citys_own(client):
    staff(client, "Centre admin")
    theirs = CityCategory.objects.create(
        city=jinan(), category=category("road-hazard"), is_enabled=False
    )
    ours = CityCategory.objects.create(city=qingdao(), category=category("fire-hazard"))
    listing = client.get(reverse("admin:governance_citycategory_changelist")).content.decode()
    assert str(ours.category) in listing and "济南" not in listing
    change = reverse("admin:governance_citycategory_change", args=[theirs.pk])
    assert client.get(change).status_code == 404


def test_the_scorecard_and_dashboard_show_the_citys_departments(client, qingdao_dept, jinan_dept):
    staff(client, "Dispatcher")
    workflow.route(jinan_report(), department=jinan_dept)
    workflow.route(ReportFactory(), department=qingdao_dept)
    scorecard = client.get(reverse("admin:governance_report_scorecard")).content.decode()
    assert qingdao_dept.name in scorecard and jinan_dept.name not in scorecard
    dashboard = client.get(reverse("admin:governance_report_dashboard")).content.decode()
    assert qingdao_dept.name in dashboard and jinan_dept.name not in dashboard


def test_staff_without_a_city_see_no_report(client, qingdao_dept):
    user = StaffFactory(city=None)
    user.groups.add(Group.objects.get(name="Dispatcher"))
    client.force_login(user)
    report = workflow.route(ReportFactory(), department=qingdao_dept)
    assert report.public_id not in client.get(QUEUE).content.decode()


def test_a_national_admin_sees_both_cities(client, qingdao_dept, jinan_dept):
    staff(client, "National admin", city=None)
    theirs = workflow.route(jinan_report(), department=jinan_dept)
    ours = workflow.route(ReportFactory(), department=qingdao_dept)
    page = client.get(QUEUE).content.decode()
    assert ours.public_id in page and theirs.public_id in page
    change = reverse("admin:governance_report_change", args=[theirs.pk])
    assert client.get(change).status_code == 200
    scorecard = client.get(reverse("admin:governance_report_scorecard")).content.decode()
    assert qingdao_dept.name in scorecard and jinan_dept.name in scorecard


def test_qingdao_district_stays_qingdao():
    assert routing.table().city_of(qingdao_district().pk) == qingdao().pk
