"""Cities as tenants (issue 19), webhooks: a report's events go to its department's receivers
and to the platform receivers of its city, never to another city's; the admin of one city
keeps its city's receivers and deliveries."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from governance import workflow
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    jinan,
    qingdao,
)
from webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db
EVENTS = ["report.routed"]


def receiver(label: str, *, department=None, city=None) -> Webhook:
    return Webhook.objects.create(
        label=label,
        url=f"http://127.0.0.1:1/{label}",
        department=department,
        city=city,
        events=EVENTS,
    )


def jinan_report():
    district = jinan("lixia")
    return ReportFactory(
        rider=RiderFactory(district=district),
        district=district,
        latitude=Decimal("36.666000"),
        longitude=Decimal("117.076000"),
    )


def test_a_jinan_report_never_reaches_a_qingdao_platform_receiver():
    jinan_dept = DepartmentFactory(code="jn-lixia-urban", city=jinan())
    qingdao_dept = DepartmentFactory(code="qd-urban")
    qingdao_platform = receiver("qingdao-platform", city=qingdao())
    jinan_platform = receiver("jinan-platform", city=jinan())
    jinan_desk = receiver("jinan-desk", department=jinan_dept)
    qingdao_desk = receiver("qingdao-desk", department=qingdao_dept)
    report = workflow.route(jinan_report(), department=jinan_dept)
    got = set(Delivery.objects.filter(report=report).values_list("webhook__label", flat=True))
    assert got == {jinan_platform.label, jinan_desk.label}
    ours = workflow.route(ReportFactory(), department=qingdao_dept)
    got = set(Delivery.objects.filter(report=ours).values_list("webhook__label", flat=True))
    assert got == {qingdao_platform.label, qingdao_desk.label}


def test_a_receiver_is_of_its_departments_city():
    jinan_dept = DepartmentFactory(code="jn-lixia-urban", city=jinan())
    assert receiver("desk", department=jinan_dept).city == jinan()


def test_one_city_fills_a_platform_receivers_city():
    assert receiver("platform").city == qingdao()


def may_keep_receivers(user) -> None:
    # Only superusers may by default (webhooks/ grants no role its models).
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="webhooks", codename__in=["view_webhook", "view_delivery"]
        )
    )


def test_a_city_admin_keeps_their_citys_receivers(client):
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name="Centre admin"))
    may_keep_receivers(admin)
    client.force_login(admin)
    ours = receiver("qingdao-platform", city=qingdao())
    theirs = receiver("jinan-platform", city=jinan())
    page = client.get(reverse("admin:webhooks_webhook_changelist")).content.decode()
    assert ours.label in page and theirs.label not in page
    assert client.get(reverse("admin:webhooks_webhook_change", args=[theirs.pk])).status_code == 404
    jinan_dept = DepartmentFactory(code="jn-lixia-urban", city=jinan())
    receiver("jinan-desk", department=jinan_dept)
    workflow.route(jinan_report(), department=jinan_dept)
    deliveries = client.get(reverse("admin:webhooks_delivery_changelist")).content.decode()
    assert "jinan-desk" not in deliveries and "jinan-platform" not in deliveries
    [delivery] = Delivery.objects.filter(webhook__label="jinan-desk")
    url = reverse("admin:webhooks_delivery_change", args=[delivery.pk])
    assert client.get(url).status_code == 404


def test_a_national_admin_sees_every_citys_receivers(client):
    admin = StaffFactory(city=None)
    admin.groups.add(Group.objects.get(name="National admin"))
    may_keep_receivers(admin)
    client.force_login(admin)
    receiver("qingdao-platform", city=qingdao())
    receiver("jinan-platform", city=jinan())
    page = client.get(reverse("admin:webhooks_webhook_changelist")).content.decode()
    assert "qingdao-platform" in page and "jinan-platform" in page
