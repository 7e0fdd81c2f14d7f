"""GCJ-02 conversion against published reference points; opening hours edge cases."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.geo import distance_m
from merchants.geo import (
    amap_link,
    bearing_deg,
    compass,
    gcj02_to_wgs84,
    is_open,
    wgs84_to_gcj02,
)

# WGS84 → GCJ-02 reference points from the eviltransform library's own test suite
# (github.com/googollee/eviltransform, python/test.py).
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_to_gcj02_matches_the_reference_points(wgs, gcj):
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-7)
    assert lng == pytest.approx(gcj[1], abs=1e-7)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_to_wgs84_finds_the_reference_points_within_half_a_metre(wgs, gcj):
    # eviltransform's own bound for its exact inverse (gcj2wgs_exact) is 0.5 m.
    assert distance_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.5


# Qingdao's districts and the corners of the mainland the riders will never reach, but where
# the offset is largest or changes fastest.
ROUND_TRIP = [
    (36.1451, 120.4329),  # Licang
    (36.0671, 120.3826),  # Shinan
    (36.2700, 120.0100),  # Jiaozhou
    (18.2528, 109.5119),  # Sanya
    (53.4800, 122.3500),  # Mohe
    (39.4700, 75.9900),  # Kashgar
    (22.2000, 113.5400),  # Macau
]


@pytest.mark.parametrize("point", ROUND_TRIP)
def test_there_and_back_again_lands_within_a_centimetre(point):
    there = wgs84_to_gcj02(*point)
    assert distance_m(*point, *there) > 50  # the offset is real: hundreds of metres
    back = gcj02_to_wgs84(*there)
    assert distance_m(*point, *back) < 0.01
    # And the other way: a GCJ-02 point (a pin dropped on AMap's tiles) and back.
    assert distance_m(*point, *wgs84_to_gcj02(*gcj02_to_wgs84(*point))) < 0.01


def test_outside_china_nothing_moves():
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


def test_amap_link_carries_the_converted_point():
    link = amap_link(31.1774276, 121.5272106, "药房")
    assert "position=121.531542%2C31.175304" in link and "coordinate=gaode" in link


def test_compass_direction():
    from django.utils.translation import override

    with override("en"):
        assert compass(bearing_deg(36.0, 120.0, 36.01, 120.0)) == "north"
        assert compass(bearing_deg(36.0, 120.0, 36.0, 120.01)) == "east"
        assert compass(bearing_deg(36.0, 120.0, 35.99, 119.99)) == "south-west"
    assert compass(0.0) == "北"  # in the rider's language


QINGDAO = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 30)  # a Monday


def at(day: dt.date, hhmm: str, tz=QINGDAO) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=tz)


def periods(*rows):
    return [(day, dt.time.fromisoformat(o), dt.time.fromisoformat(c)) for day, o, c in rows]


def test_plain_hours_open_inclusive_close_exclusive():
    hours = periods((0, "08:00", "22:00"))
    assert not is_open(open_24h=False, periods=hours, at=at(MONDAY, "07:59"))
    assert is_open(open_24h=False, periods=hours, at=at(MONDAY, "08:00"))
    assert is_open(open_24h=False, periods=hours, at=at(MONDAY, "21:59"))
    assert not is_open(open_24h=False, periods=hours, at=at(MONDAY, "22:00"))


def test_overnight_hours_run_into_the_next_day():
    friday_night = periods((4, "18:00", "02:00"))  # Friday 18:00 to Saturday 02:00
    friday = MONDAY + dt.timedelta(days=4)
    saturday = friday + dt.timedelta(days=1)
    assert is_open(open_24h=False, periods=friday_night, at=at(friday, "23:30"))
    assert is_open(open_24h=False, periods=friday_night, at=at(saturday, "01:59"))
    assert not is_open(open_24h=False, periods=friday_night, at=at(saturday, "02:00"))
    assert not is_open(open_24h=False, periods=friday_night, at=at(friday, "01:00"))


def test_sunday_night_runs_into_monday():
    sunday_night = periods((6, "20:00", "03:00"))
    assert is_open(open_24h=False, periods=sunday_night, at=at(MONDAY, "02:30"))


def test_closed_days_and_open_24h():
    weekdays_only = periods(*((d, "09:00", "18:00") for d in range(5)))
    saturday = MONDAY + dt.timedelta(days=5)
    assert not is_open(open_24h=False, periods=weekdays_only, at=at(saturday, "12:00"))
    assert is_open(open_24h=True, periods=[], at=at(saturday, "03:00"))
    assert not is_open(open_24h=False, periods=[], at=at(saturday, "12:00"))


def test_split_day_with_a_lunch_break():
    hours = periods((0, "09:00", "12:00"), (0, "14:00", "20:00"))
    assert not is_open(open_24h=False, periods=hours, at=at(MONDAY, "13:00"))
    assert is_open(open_24h=False, periods=hours, at=at(MONDAY, "14:30"))
