"""Cities as tenants (issue 19), the hall screen: a display shows its own city's figures only
(districts, departments, reports); each city's figures are cached apart."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from governance import workflow
from hall.models import HallDisplay
from hall.selectors import data_cache_key
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    jinan,
    qingdao,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def both():
    qingdao_dept = DepartmentFactory(code="qd-urban", name="青岛市城管局")
    jinan_dept = DepartmentFactory(code="jn-lixia-urban", name="历下区城管局", city=jinan())
    workflow.route(ReportFactory(), department=qingdao_dept)
    district = jinan("lixia")
    for n in range(2):
        report = ReportFactory(
            rider=RiderFactory(district=district),
            district=district,
            latitude=Decimal("36.666000") + n,
            longitude=Decimal("117.076000"),
        )
        workflow.route(report, department=jinan_dept)
    return qingdao_dept, jinan_dept


def screen_data(client, display) -> dict:
    response = client.get(f"/hall/{display.token}/data.json")
    assert response.status_code == 200
    return response.json()


def test_each_display_shows_its_citys_figures(client, both):
    qingdao_screen = HallDisplay.objects.create(label="青岛大厅", city=qingdao())
    jinan_screen = HallDisplay.objects.create(label="济南大厅", city=jinan())
    ours = screen_data(client, qingdao_screen)
    text = str(ours)
    assert "历下区" not in text and "历下区城管局" not in text and "青岛市城管局" in text
    assert ours["figures"]["received_month"] == 1
    theirs = screen_data(client, jinan_screen)
    assert {d["name"] for d in theirs["districts"]} == {"历下区", "市中区"}
    assert theirs["figures"]["received_month"] == 2
    assert "青岛市城管局" not in str(theirs)
    assert cache.get(data_cache_key(qingdao().pk)) != cache.get(data_cache_key(jinan().pk))


def test_a_city_admin_keeps_their_citys_displays(client):
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name="Centre admin"))
    client.force_login(admin)
    HallDisplay.objects.create(label="青岛大厅", city=qingdao())
    theirs = HallDisplay.objects.create(label="济南大厅", city=jinan())
    page = client.get(reverse("admin:hall_halldisplay_changelist")).content.decode()
    assert "青岛大厅" in page and "济南大厅" not in page
    url = reverse("admin:hall_halldisplay_change", args=[theirs.pk])
    assert client.get(url).status_code == 404


def test_a_national_admin_sees_every_display(client):
    admin = StaffFactory(city=None)
    admin.groups.add(Group.objects.get(name="National admin"))
    client.force_login(admin)
    HallDisplay.objects.create(label="青岛大厅", city=qingdao())
    HallDisplay.objects.create(label="济南大厅", city=jinan())
    page = client.get(reverse("admin:hall_halldisplay_changelist")).content.decode()
    assert "青岛大厅" in page and "济南大厅" in page
