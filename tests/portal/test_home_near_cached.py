"""Home's "open near you now" from the district's centre is the same for every rider of the
district: worked out once a minute (portal/selectors.py `district_open_near`, issue 18's
lunch-peak bench), still exact to the minute."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import RiderFactory, merchant, qingdao_district
from tests.portal.test_near_now import near_card

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
BEFORE_TEN = dt.datetime(2026, 12, 1, 21, 59, 10, tzinfo=TZ)


def home(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    return near_card(page), len(queries)


@pytest.fixture
def riders_of_licang(client):
    district = qingdao_district("李沧区")
    return RiderFactory(district=district), RiderFactory(district=district)


def test_the_second_rider_of_the_district_gets_the_card_without_its_queries(
    client, riders_of_licang
):
    merchant(name="近处便利店", lat="36.145500", lng="120.432800", open_24h=True)
    first, second = riders_of_licang
    with time_machine.travel(BEFORE_TEN, tick=False):
        client.force_login(first.user)
        card, queries = home(client)
        client.force_login(second.user)
        again, fewer = home(client)
    assert "近处便利店" in card and again == card
    assert fewer < queries


def test_a_place_closing_at_ten_is_gone_from_ten_on(client, riders_of_licang):
    merchant(
        name="十点关门店", lat="36.145500", lng="120.432800", hours=(("daily", "07:00", "22:00"),)
    )
    rider = riders_of_licang[0]
    client.force_login(rider.user)
    with time_machine.travel(BEFORE_TEN.replace(second=59), tick=False):
        assert "十点关门店" in home(client)[0]
    with time_machine.travel(BEFORE_TEN.replace(hour=22, minute=0, second=0), tick=False):
        assert "十点关门店" not in home(client)[0]


def test_each_district_has_its_own_card(client):
    merchant(name="李沧便利店", lat="36.145500", lng="120.432800", open_24h=True)
    licang = RiderFactory(district=qingdao_district("李沧区"))
    elsewhere = RiderFactory(district=qingdao_district("市南区"))
    with time_machine.travel(BEFORE_TEN, tick=False):
        client.force_login(licang.user)
        assert "李沧便利店" in home(client)[0]
        client.force_login(elsewhere.user)
        assert "李沧便利店" not in home(client)[0]
