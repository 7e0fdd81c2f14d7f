"""Nearest-with-X: correctness against a brute-force reference, hours in Qingdao time."""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.geo import distance_m
from merchants import geo
from merchants.models import Merchant
from merchants.selectors import nearest_places
from tests.factories import merchant

pytestmark = pytest.mark.django_db
HERE = (Decimal("36.160000"), Decimal("120.430000"))
MONDAY_NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_matches_a_brute_force_reference_on_random_places():
    rng = random.Random(7)
    for _ in range(300):
        merchant(
            lat=f"{36.16 + rng.uniform(-0.03, 0.03):.6f}",
            lng=f"{120.43 + rng.uniform(-0.03, 0.03):.6f}",
            has_toilet=rng.random() < 0.5,
            has_water=rng.random() < 0.5,
            hours=(("daily", "08:00", "22:00"),)
            if rng.random() < 0.7
            else (((5, 6), "09:00", "17:00"),),
        )
    found = nearest_places(
        latitude=HERE[0], longitude=HERE[1], service="toilet", at=MONDAY_NOON, limit=10_000
    )
    expected = []
    for place in Merchant.objects.filter(has_toilet=True).prefetch_related("hours"):
        distance = distance_m(*HERE, place.latitude, place.longitude)
        if distance <= 1200:
            periods = [(h.weekday, h.opens, h.closes) for h in place.hours.all()]
            expected.append(
                (
                    not geo.is_open(open_24h=place.open_24h, periods=periods, at=MONDAY_NOON),
                    distance,
                    place.pk,
                )
            )
    expected.sort()
    assert [p.merchant.pk for p in found] == [pk for _closed, _d, pk in expected]
    assert len(found) > 5
    assert all(p.is_open for p in found[: sum(1 for c, _d, _p in expected if not c)])


def test_only_places_with_the_service_active_and_within_the_circle():
    near = merchant(lat="36.161000", has_toilet=True)
    merchant(lat="36.161000", has_toilet=False, has_water=True)
    merchant(lat="36.175000")  # 1.7 km north: outside
    merchant(lat="36.162000", is_active=False)
    found = nearest_places(latitude=HERE[0], longitude=HERE[1], service="toilet", at=MONDAY_NOON)
    assert [p.merchant for p in found] == [near]
    place = found[0]
    assert 100 < place.distance_m < 120 and str(place.direction) == "北"
    assert place.riding_minutes == 1 and place.walking_minutes == 1
    assert "uri.amap.com" in place.map_link


def test_open_places_come_before_closed_ones_in_qingdao_time():
    closed_now = merchant(lat="36.160500", hours=(("daily", "18:00", "23:00"),))
    open_now = merchant(lat="36.165000", hours=(("daily", "08:00", "22:00"),))
    # 04:00 UTC is noon in Qingdao.
    noon_utc = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)
    found = nearest_places(latitude=HERE[0], longitude=HERE[1], service="toilet", at=noon_utc)
    assert [(p.merchant, p.is_open) for p in found] == [(open_now, True), (closed_now, False)]


def test_pharmacy_is_a_kind_and_repair_includes_repair_points():
    pharmacy = merchant(kind="pharmacy", has_toilet=False)
    repair_point = merchant(kind="repair", has_toilet=False)
    repairs_too = merchant(kind="shop", has_ebike_repair=True, lat="36.161000")
    assert [
        p.merchant
        for p in nearest_places(
            latitude=HERE[0], longitude=HERE[1], service="pharmacy", at=MONDAY_NOON
        )
    ] == [pharmacy]
    found = {
        p.merchant
        for p in nearest_places(
            latitude=HERE[0], longitude=HERE[1], service="repair", at=MONDAY_NOON
        )
    }
    assert found == {repair_point, repairs_too}


def test_three_queries_whatever_the_number_of_places(django_assert_max_num_queries):
    for size in (3, 40):
        for n in range(size):
            merchant(lat=f"{36.16 + n / 10000:.6f}")
        with django_assert_max_num_queries(3):
            nearest_places(latitude=HERE[0], longitude=HERE[1], service="toilet", at=MONDAY_NOON)
