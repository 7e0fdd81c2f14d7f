"""Cities as tenants (issue 19), rewards: a rider is offered their city's benefits and the
national ones; points and awards stay with the rider when they move city; a city's rewards for
a category are used when set; a city's admin keeps their city's benefits."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.errors import DomainError
from governance.models import CityCategory
from rewards import services
from rewards.models import Award, Benefit
from rewards.selectors import catalogue, points_balance
from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    RiderFactory,
    StaffFactory,
    category,
    give_points,
    jinan,
    qingdao,
    validated_report,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def benefits():
    return {
        "national": BenefitFactory(name="全国流量包"),
        "qingdao": BenefitFactory(name="青岛餐券", city=qingdao()),
        "jinan": BenefitFactory(name="济南餐券", city=jinan()),
    }


def test_a_rider_is_offered_their_citys_and_the_national_benefits(client, benefits):
    import datetime as dt

    rider = RiderFactory(district=jinan("lixia"))
    offered = {b.name for b in catalogue(today=dt.date(2026, 12, 1), rider=rider)}
    assert offered == {"全国流量包", "济南餐券"}
    client.force_login(rider.user)
    page = client.get(reverse("rewards:benefits")).content.decode()
    assert "济南餐券" in page and "青岛餐券" not in page
    url = reverse("rewards:redeem", args=[benefits["qingdao"].pk])
    assert client.get(url).status_code == 404


def test_another_citys_benefit_cannot_be_redeemed(benefits):
    rider = RiderFactory(district=jinan("lixia"))
    give_points(rider, 100)
    with pytest.raises(DomainError):
        services.benefit_redeem(rider=rider, benefit_id=benefits["qingdao"].pk)
    assert services.benefit_redeem(rider=rider, benefit_id=benefits["jinan"].pk).points == 20
    assert points_balance(rider=rider) == 80


def test_points_and_awards_stay_with_the_rider_who_moves_city():
    rider = RiderFactory()
    give_points(rider, 30)
    report = validated_report(rider=rider)
    awards = list(Award.objects.filter(rider=rider))
    balance = points_balance(rider=rider)
    rider.district = jinan("lixia")
    rider.save(update_fields=["district"])
    assert points_balance(rider=rider) == balance
    assert list(Award.objects.filter(rider=rider)) == awards
    assert Award.objects.filter(report=report).exists()


def test_the_citys_rewards_for_a_category():
    clutter = category("stairwell-clutter")
    CityCategory.objects.create(
        city=jinan(), category=clutter, points_reward=7, cash_reward=Decimal("3.50")
    )
    district = jinan("lixia")
    rider = RiderFactory(district=district)
    report = validated_report(
        department=DepartmentFactory(code="jn-lixia-urban", city=jinan()),
        rider=rider,
        district=district,
        category=clutter,
    )
    awards = {a.kind: a for a in Award.objects.filter(report=report)}
    assert awards["points"].points == 7
    assert awards["cash"].cash_amount == Decimal("3.50")


def test_a_city_admin_keeps_their_citys_benefits_and_reads_the_national_ones(client, benefits):
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name="Centre admin"))
    client.force_login(admin)
    page = client.get(reverse("admin:rewards_benefit_changelist")).content.decode()
    assert "青岛餐券" in page and "全国流量包" in page and "济南餐券" not in page
    theirs = reverse("admin:rewards_benefit_change", args=[benefits["jinan"].pk])
    assert client.get(theirs).status_code == 404
    national = reverse("admin:rewards_benefit_change", args=[benefits["national"].pk])
    client.post(national, {"name": "改名"})
    assert Benefit.objects.get(pk=benefits["national"].pk).name == "全国流量包"


def test_a_national_admin_sees_every_citys_benefits(client, benefits):
    admin = StaffFactory(city=None)
    admin.groups.add(Group.objects.get(name="National admin"))
    client.force_login(admin)
    page = client.get(reverse("admin:rewards_benefit_changelist")).content.decode()
    assert "青岛餐券" in page and "全国流量包" in page and "济南餐券" in page


def test_the_honour_roll_is_one_citys(client):
    """A rider sees their city's honour roll; anyone may ask for a city by its code."""
    from django.utils import timezone

    from rewards.models import Honour
    from tests.factories import RiderFactory, jinan

    def honour(rider, title):
        return Honour.objects.create(
            rider=rider,
            kind="bravery",
            title=title,
            story="雨夜救人",
            honoured_on=timezone.localdate(),
            status="published",
            published_at=timezone.now(),
        )

    qingdao_rider = RiderFactory()
    honour(qingdao_rider, "青岛的荣誉")
    honour(RiderFactory(district=jinan("lixia")), "济南的荣誉")
    client.force_login(qingdao_rider.user)
    page = client.get("/honours/").text
    assert "青岛的荣誉" in page and "济南的荣誉" not in page
    client.logout()
    page = client.get("/honours/?city=jinan").text
    assert "济南的荣誉" in page and "青岛的荣誉" not in page
    everyone = client.get("/honours/").text
    assert "济南的荣誉" in everyone and "青岛的荣誉" in everyone
