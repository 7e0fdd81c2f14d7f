"""Rider canteen pages and the counter page: who may use them, bad input, query counts."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from canteen import services
from canteen.models import MealOrder
from core.roles import CANTEEN_OPERATOR
from tests.factories import RiderFactory, StaffFactory, canteen_with_meal

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    # Signed in as riders are (riders/auth.py): user, rider, district and city in one query.
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return rider


@pytest.mark.parametrize("name", ["canteen:list", "canteen:orders"])
def test_rider_pages_need_a_signed_in_rider(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(StaffFactory())
    assert client.get(reverse(name)).status_code == 403


def test_menu_shows_who_pays_what_with_constant_queries(
    client, rider, django_assert_max_num_queries
):
    for size in (1, 5):
        for n in range(size):
            canteen_with_meal(name=f"食堂{size}-{n}")
        with django_assert_max_num_queries(8):
            page = client.get(reverse("canteen:list")).content.decode()
        assert page.count('data-portions="100"') >= size
    assert "¥10.00" in page and "¥22.00" in page


def test_order_shows_the_split_then_the_code(client, rider):
    meal = canteen_with_meal()
    page = client.get(reverse("canteen:order", args=[meal.pk])).content.decode()
    assert "−¥5.00" in page and "−¥4.00" in page and "−¥3.00" in page and "¥10.00" in page
    response = client.post(reverse("canteen:order", args=[meal.pk]), {"payment": "counter"})
    assert response.status_code == 302
    order = MealOrder.objects.get(rider=rider)
    page = client.get(reverse("canteen:orders")).content.decode()
    assert f">{order.pickup_code}<" in page


def test_over_the_cap_the_page_says_why(client, rider, settings):
    settings.CANTEEN_SUBSIDISED_MEALS_PER_DAY = 1
    meal = canteen_with_meal()
    client.post(reverse("canteen:order", args=[meal.pk]), {"payment": "counter"})
    page = client.get(reverse("canteen:order", args=[meal.pk])).content.decode()
    assert "data-full-price" in page and "¥22.00" in page


def test_bad_payment_and_unknown_meal(client, rider):
    meal = canteen_with_meal()
    response = client.post(reverse("canteen:order", args=[meal.pk]), {"payment": "gold"})
    assert response.status_code == 200 and not MealOrder.objects.exists()
    assert client.get(reverse("canteen:order", args=[999_999])).status_code == 404


def test_another_riders_order_cannot_be_cancelled_or_seen(client, rider):
    meal = canteen_with_meal()
    theirs = services.meal_order_place(rider=RiderFactory(), set_meal_id=meal.pk)
    assert client.post(reverse("canteen:cancel", args=[theirs.pk])).status_code == 404
    assert f">{theirs.pickup_code}<" not in client.get(reverse("canteen:orders")).content.decode()
    theirs.refresh_from_db()
    assert theirs.status == "placed"


def operator_of(canteen):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=CANTEEN_OPERATOR))
    canteen.staff.add(user)
    return user


def test_counter_hands_over_with_one_code(client):
    meal = canteen_with_meal()
    order = services.meal_order_place(rider=RiderFactory(), set_meal_id=meal.pk)
    client.force_login(operator_of(meal.canteen))
    url = reverse("canteen:counter", args=[meal.canteen_id])
    page = client.get(url).content.decode()
    assert order.pickup_code in page  # waiting orders
    page = client.post(url, {"code": order.pickup_code}).content.decode()
    assert "data-collected" in page
    again = client.post(url, {"code": order.pickup_code}).content.decode()
    assert 'class="field__error"' in again and "data-collected" not in again
    bad = client.post(url, {"code": "12a"}).content.decode()
    assert 'class="field__error"' in bad


def test_counter_is_only_for_that_canteens_staff(client):
    meal = canteen_with_meal()
    other = canteen_with_meal(name="别的食堂")
    url = reverse("canteen:counter", args=[meal.canteen_id])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(operator_of(other.canteen))
    assert client.get(url).status_code == 403
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 403
