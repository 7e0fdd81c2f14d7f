"""Nearby help city by city (issue 19): a rider finds their own city's places only, within
their city's circle (widened at night in proportion); staff see their city's merchants only."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.roles import CENTRE_ADMIN
from merchants.selectors import WIDEN_FACTORS, nearby_search, open_near
from tests.cities import jinan_rider, national_admin, rider_client, staff, to_jinan
from tests.factories import jinan, merchant, qingdao

pytestmark = pytest.mark.django_db

# Near Jinan's Lixia centre.
HERE = (Decimal("36.666000"), Decimal("117.076000"))
NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def north(metres: int) -> str:
    return f"{36.666 + metres / 111_195:.6f}"


def place(name: str, metres: int, *, city: str = "jinan", **kwargs):
    made = merchant(name=name, lat=north(metres), lng="117.076000", **kwargs)
    return to_jinan(made) if city == "jinan" else made


def names(search) -> list[str]:
    return [p.merchant.name for p in search.places]


def test_a_rider_finds_their_citys_places_only():
    place("济南便利店", 300)
    place("青岛的店（坐标误填）", 200, city="qingdao")  # another city's, even if near
    search = nearby_search(
        latitude=HERE[0], longitude=HERE[1], service="toilet", at=NOON, city=jinan()
    )
    assert names(search) == ["济南便利店"]
    everywhere = nearby_search(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NOON)
    assert len(everywhere.places) == 2  # no city: the old behaviour, for callers without one


def test_the_circle_is_the_riders_citys_and_widens_in_proportion():
    city = jinan()
    city.service_circle_m = 1500
    city.save()
    place("一千四百米的店", 1400)
    search = nearby_search(
        latitude=HERE[0], longitude=HERE[1], service="toilet", at=NOON, city=city
    )
    assert names(search) == ["一千四百米的店"] and search.asked_radius_m == 1500
    assert not search.widened
    assert search.widest_radius_m == 1500 * WIDEN_FACTORS[-1]
    # Qingdao's default circle (1.2 km) would have had to widen for it.
    default = nearby_search(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NOON)
    assert default.asked_radius_m == 1200 and default.widened
    near = open_near(latitude=HERE[0], longitude=HERE[1], at=NOON, city=city)
    assert near[0].place is not None and near[0].place.merchant.name == "一千四百米的店"


def test_the_nearby_page_of_a_jinan_rider(client):
    place("济南便利店", 300)
    place("青岛的店（坐标误填）", 200, city="qingdao")
    rider_client(client, jinan_rider())
    with time_machine.travel(NOON, tick=False):
        page = client.get(
            reverse("merchants:nearest"),
            {"service": "toilet", "lat": str(HERE[0]), "lng": str(HERE[1])},
        ).text
    assert "济南便利店" in page and "青岛的店" not in page


def test_staff_see_their_citys_merchants(client):
    mine = merchant(name="李沧的店")
    theirs = place("历下的店", 100)
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    listing = client.get(reverse("admin:merchants_merchant_changelist")).text
    assert "李沧的店" in listing and "历下的店" not in listing
    change = "admin:merchants_merchant_change"
    assert client.get(reverse(change, args=[theirs.pk])).status_code == 404
    assert client.get(reverse(change, args=[mine.pk])).status_code == 200
    client.force_login(national_admin())
    listing = client.get(reverse("admin:merchants_merchant_changelist")).text
    assert "李沧的店" in listing and "历下的店" in listing
