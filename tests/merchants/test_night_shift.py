"""Nearby help on the night shift (issue 17.4): open places first and closed ones with when
they open, a place closing past midnight, the 24-hour filter, a wider circle when nothing near
is open, e-bike charging and battery swap. Times are Qingdao's (Asia/Shanghai)."""

import datetime as dt
import importlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.urls import reverse

from merchants.models import Merchant
from merchants.selectors import nearby_search, nearest_places
from tests.factories import RiderFactory, merchant

pytestmark = pytest.mark.django_db
QINGDAO = ZoneInfo("Asia/Shanghai")
HERE = (Decimal("36.160000"), Decimal("120.430000"))
# Tuesday 1 December 2026, 03:30 in Qingdao (Monday night's shift).
NIGHT = dt.datetime(2026, 12, 1, 3, 30, tzinfo=QINGDAO)
NEARBY = {"service": "toilet", "lat": "36.16", "lng": "120.43"}


def north(metres: int) -> str:
    """A latitude `metres` north of HERE (1° ≈ 111.2 km)."""
    return f"{36.16 + metres / 111_195:.6f}"


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    # Signed in as riders are (riders/auth.py): user, rider, district and city in one query.
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return rider


def page(client, params, *, at=NIGHT, language="zh-hans") -> str:
    client.cookies["riders_portal_language"] = language
    with time_machine.travel(at, tick=False):
        return client.get(reverse("merchants:nearest"), params).content.decode()


def test_at_0330_open_places_come_first_and_closed_ones_say_when_they_open():
    opens_at_7 = merchant(name="早七点", lat=north(100), hours=(("daily", "07:00", "22:00"),))
    all_night = merchant(name="通宵", lat=north(900), open_24h=True)
    tomorrow = merchant(  # closed on Tuesdays: opens Wednesday
        name="周二休息", lat=north(50), hours=((range(0, 7, 2), "07:00", "22:00"),)
    )
    search = nearby_search(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NIGHT)
    assert [(p.merchant, p.is_open) for p in search.places] == [
        (all_night, True),
        (tomorrow, False),
        (opens_at_7, False),
    ]
    assert not search.widened and search.any_open
    assert search.places[0].opens_at is None
    assert (search.places[1].opens_at, search.places[1].opens_in_days) == (
        dt.datetime(2026, 12, 2, 7, 0, tzinfo=QINGDAO),
        1,
    )
    assert (search.places[2].opens_at, search.places[2].opens_in_days) == (
        dt.datetime(2026, 12, 1, 7, 0, tzinfo=QINGDAO),
        0,
    )


def test_a_place_closing_past_midnight_is_open_until_then_and_opens_again_in_the_evening():
    late = merchant(name="夜宵", lat=north(200), hours=(("daily", "18:00", "02:00"),))
    at_0130 = NIGHT.replace(hour=1)
    (place,) = nearest_places(latitude=HERE[0], longitude=HERE[1], service="toilet", at=at_0130)
    assert (place.merchant, place.is_open) == (late, True)
    (place,) = nearest_places(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NIGHT)
    assert not place.is_open
    assert place.opens_at == dt.datetime(2026, 12, 1, 18, 0, tzinfo=QINGDAO)
    # Sunday's period runs into Monday: open at 01:30 on Monday, from Sunday's row.
    sunday_only = merchant(name="周日夜", lat=north(300), hours=(((6,), "20:00", "03:00"),))
    monday_0130 = dt.datetime(2026, 11, 30, 1, 30, tzinfo=QINGDAO)
    found = nearest_places(latitude=HERE[0], longitude=HERE[1], service="toilet", at=monday_0130)
    assert {p.merchant: p.is_open for p in found}[sunday_only] is True


def test_nothing_open_in_the_circle_widens_it_and_the_page_says_so(client, rider):
    merchant(name="近但关门", lat=north(300), hours=(("daily", "07:00", "22:00"),))
    far_open = merchant(name="两公里外通宵", lat=north(2000), open_24h=True)
    search = nearby_search(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NIGHT)
    assert search.widened and search.radius_m == 2400 and search.any_open
    assert search.places[0].merchant == far_open
    assert [p.is_open for p in search.places] == [True, False]
    html = page(client, NEARBY)
    assert "data-widened" in html and "2400" in html and "两公里外通宵" in html
    assert html.index("两公里外通宵") < html.index("近但关门")
    english = page(client, NEARBY, language="en")
    assert "Nothing is open within 1200 m right now" in english and "2400 m" in english


def test_nothing_open_even_in_the_widest_circle_lists_the_near_ones_with_their_hours(client, rider):
    merchant(name="近但关门", lat=north(300), hours=(("daily", "07:00", "22:00"),))
    merchant(name="三公里外关门", lat=north(3000), hours=(("daily", "08:00", "22:00"),))
    search = nearby_search(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NIGHT)
    assert not search.any_open and not search.widened
    assert [p.merchant.name for p in search.places] == ["近但关门"]  # the first circle's
    english = page(client, NEARBY, language="en")
    assert "data-none-open" in english and "Nothing is open within 4800 m" in english
    assert "Closed now · opens 07:00" in english


def test_opening_times_in_the_readers_language(client, rider):
    merchant(name="早七点", lat=north(100), hours=(("daily", "07:00", "22:00"),))
    merchant(name="周二休息", lat=north(50), hours=((range(0, 7, 2), "07:00", "22:00"),))
    merchant(name="周末才开", lat=north(150), hours=(((5, 6), "09:00", "17:00"),))
    english = page(client, NEARBY, language="en")
    assert "opens 07:00" in english and "opens tomorrow 07:00" in english
    assert "opens Saturday 09:00" in english
    # The weekday's name is the reader's too (the sentence itself comes with the lead's
    # translations of this issue).
    chinese = page(client, NEARBY)
    assert "已打烊" in chinese and "星期六 09:00" in chinese and "Saturday" not in chinese


def test_the_24_hour_filter_keeps_only_places_open_around_the_clock(client, rider):
    merchant(name="白天店", lat=north(100))
    all_night = merchant(name="通宵店", lat=north(400), open_24h=True)
    noon = NIGHT.replace(hour=12)
    found = nearest_places(
        latitude=HERE[0], longitude=HERE[1], service="toilet", at=noon, always_open=True
    )
    assert [p.merchant for p in found] == [all_night]
    html = page(client, {**NEARBY, "always_open": "1"}, at=noon)
    assert "通宵店" in html and "白天店" not in html
    # The filter and the service buttons keep each other and the rider's position.
    assert 'href="?service=water&amp;always_open=1"' in html
    assert 'href="?service=toilet&amp;lat=36.160000&amp;lng=120.430000"' in html
    none = page(client, {"service": "pharmacy", "always_open": "1"}, at=noon, language="en")
    assert "No place open 24 hours is near" in none


def test_e_bike_charging_and_battery_swap_are_services_of_their_own(client, rider):
    phone_only = merchant(name="手机充电", lat=north(100), has_charging=True, open_24h=True)
    ebike = merchant(name="电动车充电", lat=north(200), has_ebike_charging=True, open_24h=True)
    cabinet = merchant(name="换电柜", kind="swap", lat=north(300), open_24h=True)
    swaps_too = merchant(name="也能换电", lat=north(400), has_battery_swap=True, open_24h=True)

    def names(service):
        return [
            p.merchant
            for p in nearest_places(latitude=HERE[0], longitude=HERE[1], service=service, at=NIGHT)
        ]

    assert names("ebike_charging") == [ebike]
    assert names("battery_swap") == [cabinet, swaps_too]
    assert phone_only in names("charging") and ebike not in names("charging")
    html = page(client, {}, language="en")
    assert "E-bike charging" in html and "Battery swap" in html and "Phone charging" in html
    html = page(client, {**NEARBY, "service": "battery_swap"})
    assert "换电柜" in html and "也能换电" in html


def test_bad_input_is_explained_and_the_filter_alone_is_not_a_search(client, rider):
    for params in (
        {"service": "spa", "always_open": "1"},
        {"service": "battery_swap", "lat": "91", "lng": "120"},
        {"always_open": "1"},
    ):
        html = page(client, params)
        assert 'role="alert"' in html, params


def test_the_night_page_needs_a_rider(client):
    assert client.get(reverse("merchants:nearest"), NEARBY).status_code == 302


def test_queries_are_constant_when_the_circle_widens(client, rider, django_assert_max_num_queries):
    for size in (2, 25):
        for n in range(size):
            merchant(lat=north(100 + n), hours=(("daily", "07:00", "22:00"),))
            merchant(lat=north(4000 + n), hours=(("daily", "07:00", "22:00"),))
        with django_assert_max_num_queries(8):  # three circles, the rows shown, their hours
            search = nearby_search(latitude=HERE[0], longitude=HERE[1], service="toilet", at=NIGHT)
        assert not search.any_open and len(search.places) == min(size, 20)
        far_open = merchant(lat=north(4500), open_24h=True)
        with django_assert_max_num_queries(8):
            assert nearby_search(
                latitude=HERE[0], longitude=HERE[1], service="toilet", at=NIGHT
            ).widened
        with django_assert_max_num_queries(12):  # + session, rider, district, …
            page(client, NEARBY)
        far_open.delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's planner")
def test_the_24_hour_search_is_served_by_the_location_index():
    district = merchant().district
    Merchant.objects.bulk_create(
        Merchant(
            name=f"商户{n}",
            kind="shop",
            address="青岛",
            district=district,
            latitude=Decimal(f"{36.0 + (n % 400) / 1000:.6f}"),
            longitude=Decimal(f"{120.2 + (n // 400) / 100:.6f}"),
            has_ebike_charging=n % 2 == 0,
            open_24h=n % 3 == 0,
        )
        for n in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE merchants_merchant")
        cursor.execute(
            "EXPLAIN SELECT id FROM merchants_merchant WHERE is_active AND has_ebike_charging "
            "AND open_24h AND latitude BETWEEN 36.15 AND 36.17 "
            "AND longitude BETWEEN 120.41 AND 120.45"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "merchant_location_idx" in plan, plan


def test_the_data_migration_gives_centres_and_apartments_e_bike_charging():
    centre = merchant(kind="centre")
    apartment = merchant(kind="apartment")
    shop = merchant(kind="shop")
    migration = importlib.import_module(
        "merchants.migrations.0004_ebike_charging_at_centres_and_apartments"
    )
    migration.forwards(apps, None)
    flags = dict(Merchant.objects.values_list("pk", "has_ebike_charging"))
    assert flags == {centre.pk: True, apartment.pk: True, shop.pk: False}
