"""Home's "open near you now" (issue 17, Done when): at 03:30 in Licang the nearest open toilet
and the nearest open e-bike charging or battery swap, measured from the district's centre on
Home and from the phone's position through merchants:open_near; closed places never; a map
only with a tile server; a constant number of queries."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from merchants.selectors import open_near
from tests.factories import RiderFactory, StaffFactory, merchant, qingdao_district

pytestmark = pytest.mark.django_db
NIGHT = dt.datetime(2026, 12, 1, 3, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday
DAYTIME = (("daily", "07:00", "22:00"),)
# Licang's centre in the seed data is 36.145000, 120.432800.


def near_card(page: str) -> str:
    return page.split("data-near-now ")[1].split("</section>")[0]


@pytest.fixture
def rider():
    return RiderFactory(district=qingdao_district("李沧区"))


@pytest.fixture
def night_places():
    merchant(name="近处早七点", lat="36.145500", lng="120.432800", hours=DAYTIME)
    merchant(name="通宵便利店", lat="36.150000", lng="120.432800", open_24h=True)
    merchant(
        name="近处充电站",
        lat="36.146000",
        lng="120.432800",
        has_toilet=False,
        has_ebike_charging=True,
        hours=DAYTIME,
    )
    merchant(
        name="三公里外换电柜",
        lat="36.172000",
        lng="120.432800",
        has_toilet=False,
        has_battery_swap=True,
        kind="swap",
        open_24h=True,
    )


@time_machine.travel(NIGHT)
def test_at_half_past_three_home_shows_the_nearest_open_toilet_and_e_bike_power(
    client, rider, night_places
):
    client.force_login(rider.user)
    card = near_card(client.get("/").content.decode())
    toilet = card.split('data-need="toilet"')[1].split("</li>")[0]
    ebike = card.split('data-need="ebike"')[1].split("</li>")[0]
    # The closed ones nearer are passed over; the battery swap 3 km away counts as e-bike power.
    assert "通宵便利店" in toilet and "近处早七点" not in card
    assert "三公里外换电柜" in ebike and "近处充电站" not in card
    assert 'data-near-from="district"' in card
    # Each need links to Nearby help for its service (nearby.js adds the phone's position).
    assert 'href="/nearby/?service=toilet" data-nearby="toilet"' in toilet
    assert 'href="/nearby/?service=ebike_charging" data-nearby="ebike_charging"' in ebike
    # No tile server: the list alone, no map script.
    assert "data-rider-map" not in card and "rider-map.js" not in card


@time_machine.travel(NIGHT)
def test_nothing_open_says_so(client, rider):
    merchant(name="早七点", lat="36.145500", lng="120.432800", hours=DAYTIME)
    client.force_login(rider.user)
    card = near_card(client.get("/").content.decode())
    assert card.count("data-none-open") == 2 and "data-near-place data-lat" not in card


@time_machine.travel(NIGHT)
def test_with_tiles_the_card_has_a_map_of_its_places(client, rider, night_places, settings):
    settings.MAP_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    client.force_login(rider.user)
    card = near_card(client.get("/").content.decode())
    assert 'data-points="[data-near-place]"' in card and 'data-crs="gcj02"' in card
    assert card.count("data-near-place data-lat") == 2
    assert 'data-lat="36.150000" data-lng="120.432800" data-kind="open"' in card
    # The district centre is where the map looks, not where it draws the rider.
    assert 'data-centre-lat="36.145000"' in card and "data-here-lat" not in card


@time_machine.travel(NIGHT)
def test_the_phones_position_gives_the_card_for_that_point(client, rider, night_places):
    merchant(name="北边通宵厕所", lat="36.171000", lng="120.432800", open_24h=True)
    client.force_login(rider.user)
    response = client.get(reverse("merchants:open_near"), {"lat": "36.171500", "lng": "120.4328"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-near-from="phone"' in body
    assert 'data-here-lat="36.171500" data-here-lng="120.432800"' in body
    toilet = body.split('data-need="toilet"')[1].split("</li>")[0]
    assert "北边通宵厕所" in toilet


@pytest.mark.parametrize(
    "params", [{}, {"lat": "36.1"}, {"lat": "abc", "lng": "120"}, {"lat": "91", "lng": "120"}]
)
def test_a_position_that_cannot_be_read_is_a_400(client, rider, params):
    client.force_login(rider.user)
    assert client.get(reverse("merchants:open_near"), params).status_code == 400


def test_only_riders_ask_what_is_open_near_them(client):
    url = reverse("merchants:open_near")
    params = {"lat": "36.14", "lng": "120.43"}
    assert client.get(url, params).status_code == 302
    client.force_login(StaffFactory())
    assert client.get(url, params).status_code == 403


@time_machine.travel(NIGHT)
def test_the_selector_ranks_open_before_near_and_reads_few_rows(
    rider, night_places, django_assert_max_num_queries
):
    # 2 needs × (the box, the hours of those inside) + the rows of the two places shown.
    with django_assert_max_num_queries(5):
        rows = open_near(latitude=rider.district.latitude, longitude=rider.district.longitude)
    assert [(row.need, row.place.merchant.name) for row in rows] == [
        ("toilet", "通宵便利店"),
        ("ebike", "三公里外换电柜"),
    ]
    assert all(row.place.is_open for row in rows)


@time_machine.travel(NIGHT)
def test_home_queries_stay_constant_with_more_places(client, rider, django_assert_max_num_queries):
    client.force_login(rider.user)
    for size in (1, 40):
        for n in range(size):
            merchant(lat=f"{36.146 + n / 10000:.6f}", lng="120.432800", hours=DAYTIME)
            merchant(
                lat=f"{36.146 + n / 10000:.6f}",
                lng="120.433800",
                has_toilet=False,
                has_ebike_charging=True,
                open_24h=n == 0,
            )
        # Home's cards (tests/portal/test_portal_queries.py) and these five.
        with django_assert_max_num_queries(23):
            page = client.get("/").content.decode()
        # The one open e-bike place; the toilets are closed at night.
        assert len(re.findall(r"data-near-place data-lat", page)) == 1
