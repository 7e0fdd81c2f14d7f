"""The national dashboard (portal/national.py): every city's figures side by side, for national
admins only, at the same number of queries for two cities or three."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import City, District
from core.roles import CENTRE_ADMIN, NATIONAL_ADMIN
from governance.models import ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, StaffFactory, jinan

pytestmark = pytest.mark.django_db
URL = "/admin/national/"


def national_admin():
    user = StaffFactory(city=None)
    user.groups.add(Group.objects.get(name=NATIONAL_ADMIN))
    return user


def test_a_national_admin_sees_each_city_with_its_own_figures(client):
    lixia = jinan("lixia")
    RiderFactory(district=lixia)
    jinan_rider = RiderFactory(district=lixia)
    RiderFactory()
    now = timezone.now()
    ReportFactory(
        rider=jinan_rider,
        district=lixia,
        department=DepartmentFactory(city=jinan()),
        status=ReportStatus.ROUTED,
        routed_at=now - dt.timedelta(hours=25),
        due_at=now - dt.timedelta(hours=1),
    )
    client.force_login(national_admin())
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    rows = {row.city.code: row for row in response.context["rows"]}
    assert rows["jinan"].riders == 2 and rows["qingdao"].riders == 1
    assert rows["jinan"].open_reports == 1 and rows["jinan"].overdue_now == 1
    assert rows["qingdao"].open_reports == 0
    assert "济南" in response.text and "青岛" in response.text


def test_city_staff_and_riders_may_not_open_it(client):
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    client.force_login(admin)
    assert client.get(URL).status_code == 403
    client.force_login(RiderFactory().user)
    assert client.get(URL).status_code == 302  # to the admin's sign-in: not staff
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_page_costs_the_same_queries_for_more_cities(client):
    client.force_login(national_admin())
    jinan()
    client.get(URL)  # warm: sessions, permissions
    with CaptureQueriesContext(connection) as two:
        assert client.get(URL).status_code == 200
    third = City.objects.create(code="yantai", name="烟台", name_en="Yantai")
    District.objects.create(
        city=third,
        code="zhifu",
        name="芝罘区",
        latitude=Decimal("37.54"),
        longitude=Decimal("121.40"),
    )
    RiderFactory(district=District.objects.get(code="zhifu"))
    with CaptureQueriesContext(connection) as three:
        assert client.get(URL).status_code == 200
    assert len(three) == len(two)
