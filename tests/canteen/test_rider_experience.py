"""Canteen pages for the rider (issue 17.5): nearest canteen first, the pick-up window outside
opening hours, the order history a page at a time with each price split folded away."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from canteen import services
from canteen.models import Canteen, MealOrder
from canteen.selectors import pickup_window
from core.models import District
from tests.factories import RiderFactory, canteen_with_meal

pytestmark = pytest.mark.django_db
QINGDAO = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 1)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=QINGDAO)


@pytest.fixture
def rider(client):
    rider = RiderFactory()  # in Licang (the factories' district)
    # Signed in as riders are (riders/auth.py): user, rider, district and city in one query.
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return rider


def shinan_canteen():
    meal = canteen_with_meal(name="市南骑手食堂")
    shinan = District.objects.get(city__code="qingdao", name="市南区")
    Canteen.objects.filter(pk=meal.canteen_id).update(
        district=shinan, latitude=Decimal("36.065800"), longitude=Decimal("120.384200")
    )
    return meal


def names(html: str) -> list[str]:
    return re.findall(r'<h3 id="canteen-\d+" class="section-title">([^<]+)</h3>', html)


def test_nearest_canteen_first_from_the_district_centre_or_the_phone(client, rider):
    shinan_canteen()
    canteen_with_meal(name="李沧骑手食堂")
    html = client.get(reverse("canteen:list")).content.decode()
    assert names(html) == ["李沧骑手食堂", "市南骑手食堂"]  # the rider's district: Licang
    at_shinan = {"lat": "36.0660", "lng": "120.3840"}
    html = client.get(reverse("canteen:list"), at_shinan).content.decode()
    assert names(html) == ["市南骑手食堂", "李沧骑手食堂"]
    client.cookies["riders_portal_language"] = "en"
    district = client.get(reverse("canteen:list")).content.decode()
    assert "Nearest to the centre of your district first." in district
    english = client.get(reverse("canteen:list"), at_shinan).content.decode()
    assert "Nearest to where you are first." in english
    assert re.search(r"\b\d+ m away", english) and re.search(r"\b1\d\.\d km away", english)


def test_a_position_that_cannot_be_read_is_said_and_the_district_stands_in(client, rider):
    shinan_canteen()
    canteen_with_meal(name="李沧骑手食堂")
    for params in ({"lat": "north", "lng": "120"}, {"lat": "95", "lng": "120.43"}):
        response = client.get(reverse("canteen:list"), params)
        html = response.content.decode()
        assert response.status_code == 200 and 'role="alert"' in html
        assert names(html) == ["李沧骑手食堂", "市南骑手食堂"]


def test_the_pick_up_window_at_each_time_of_day():
    canteen = canteen_with_meal(opens="10:00", closes="21:00").canteen
    assert pickup_window(canteen=canteen, now=at(7)).state == "later"
    assert pickup_window(canteen=canteen, now=at(10)).state == "open"
    assert pickup_window(canteen=canteen, now=at(20, 59)).is_open
    closed = pickup_window(canteen=canteen, now=at(21))
    assert closed.state == "closed" and not closed.takes_orders


def test_ordering_before_opening_says_when_to_pick_up(client, rider):
    meal = canteen_with_meal(opens="10:00", closes="21:00")
    client.cookies["riders_portal_language"] = "en"
    with time_machine.travel(at(7, 30), tick=False):
        listing = client.get(reverse("canteen:list")).content.decode()
        assert 'data-window="later"' in listing and "pick up 10:00–21:00" in listing
        page = client.get(reverse("canteen:order", args=[meal.pk])).content.decode()
        assert 'data-window="later"' in page and "data-place-order" in page
        response = client.post(
            reverse("canteen:order", args=[meal.pk]), {"payment": "counter"}, follow=True
        )
        html = response.content.decode()
    order = MealOrder.objects.get(rider=rider)
    assert f"Your pick-up code is {order.pickup_code}. Pick it up from 10:00." in html
    assert "Pick up 10:00–21:00" in html  # on the order in the list


def test_after_closing_the_order_button_is_gone_and_a_post_is_refused(client, rider):
    meal = canteen_with_meal(opens="10:00", closes="21:00")
    client.cookies["riders_portal_language"] = "en"
    with time_machine.travel(at(22), tick=False):
        listing = client.get(reverse("canteen:list")).content.decode()
        assert 'data-window="closed"' in listing
        assert reverse("canteen:order", args=[meal.pk]) not in listing
        page = client.get(reverse("canteen:order", args=[meal.pk])).content.decode()
        assert "Closed for today" in page and "data-place-order" not in page
        response = client.post(
            reverse("canteen:order", args=[meal.pk]), {"payment": "counter"}, follow=True
        )
    assert response.status_code == 200 and "has closed for today" in response.content.decode()
    assert not MealOrder.objects.exists()
    with time_machine.travel(at(12), tick=False):
        page = client.get(reverse("canteen:order", args=[meal.pk])).content.decode()
    assert "data-window" not in page  # open: nothing to say


def orders(rider, meal, count: int) -> None:
    """`count` orders of `rider`, one per day back from DAY."""
    for n in range(count):
        with time_machine.travel(at(12) - dt.timedelta(days=n), tick=False):
            services.meal_order_place(rider=rider, set_meal_id=meal.pk)


def test_order_history_a_page_at_a_time_with_the_split_folded(client, rider):
    meal = canteen_with_meal()
    orders(rider, meal, 23)
    orders(RiderFactory(), meal, 2)  # another rider's: never shown
    client.cookies["riders_portal_language"] = "en"
    with time_machine.travel(at(13), tick=False):
        first = client.get(reverse("canteen:orders")).content.decode()
        last = client.get(reverse("canteen:orders"), {"page": 3}).content.decode()
        beyond = client.get(reverse("canteen:orders"), {"page": "999"}).content.decode()
        junk = client.get(reverse("canteen:orders"), {"page": "x"}).content.decode()
    assert first.count("data-split") == 10 and "Page 1 of 3" in first
    assert first.count("<summary>You pay ¥10.00 · who pays what</summary>") == 10
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    assert last.count("data-split") == 3 and "Page 3 of 3" in last and 'rel="next"' not in last
    assert "Page 3 of 3" in beyond and "Page 1 of 3" in junk
    # Today's order, on the first page, keeps its code and pick-up window in view.
    assert first.count("data-pickup-code") == 1 and "data-pickup-window" in first


def test_order_history_queries_are_constant(client, rider, django_assert_max_num_queries):
    meal = canteen_with_meal()
    done = 0
    for size in (3, 25):
        while done < size:
            with time_machine.travel(at(12) - dt.timedelta(days=done), tick=False):
                services.meal_order_place(rider=rider, set_meal_id=meal.pk)
            done += 1
        with django_assert_max_num_queries(8):
            assert client.get(reverse("canteen:orders"), {"page": 1}).status_code == 200


def test_canteen_list_queries_are_constant_with_the_position(
    client, rider, django_assert_max_num_queries
):
    for size in (1, 6):
        while Canteen.objects.count() < size:
            canteen_with_meal(name=f"食堂{Canteen.objects.count()}")
        with django_assert_max_num_queries(8):
            html = client.get(reverse("canteen:list"), {"lat": "36.16", "lng": "120.43"})
        assert html.content.decode().count("data-canteen") == size


def test_my_orders_is_a_button_of_its_own(client, rider):
    html = client.get(reverse("canteen:list")).content.decode()
    link = '<a class="btn btn--link-block" href="/canteens/orders/" data-my-orders>'
    assert link in html  # the 44 px it measures: tests/browser/test_canteen_flow.py
