"""Canteens city by city (issue 19): operators and centre admins see their city's canteens,
meals and orders only (another city's is a 404), national admins every city's; a rider sees
and orders from their city's canteens only, with their city's number of subsidised meals."""

import pytest
from django.urls import reverse
from django.utils import timezone

from canteen import services
from canteen.models import MealOrder
from canteen.selectors import canteens_with_menu, subsidised_meals_left
from canteen.services import CanteenError
from core.roles import CANTEEN_OPERATOR, CENTRE_ADMIN
from tests.cities import jinan_rider, national_admin, rider_client, staff, to_jinan
from tests.factories import RiderFactory, canteen_with_meal, jinan, qingdao

pytestmark = pytest.mark.django_db


@pytest.fixture
def meals():
    licang = canteen_with_meal(name="李沧食堂")
    lixia = canteen_with_meal(name="历下食堂")
    to_jinan(lixia.canteen)
    return licang, lixia


def admin_pages(meal):
    order = services.meal_order_place(
        rider=RiderFactory(district=meal.canteen.district), set_meal_id=meal.pk
    )
    return [
        reverse("admin:canteen_canteen_change", args=[meal.canteen_id]),
        reverse("admin:canteen_setmeal_change", args=[meal.pk]),
        reverse("admin:canteen_mealorder_change", args=[order.pk]),
    ]


@pytest.mark.parametrize("role", [CANTEEN_OPERATOR, CENTRE_ADMIN])
def test_qingdao_staff_get_404_for_jinan_canteens(client, meals, role):
    licang, lixia = meals
    user = staff(role, qingdao())
    licang.canteen.staff.add(user)
    lixia.canteen.staff.add(user)  # even if put on a Jinan canteen by mistake
    jinan_pages, own_pages = admin_pages(lixia), admin_pages(licang)
    client.force_login(user)
    listing = client.get(reverse("admin:canteen_canteen_changelist")).text
    assert "李沧食堂" in listing and "历下食堂" not in listing
    for url in jinan_pages:
        assert client.get(url).status_code == 404, url
    for url in own_pages:
        assert client.get(url).status_code == 200, url
    settlement = client.get(reverse("admin:canteen_canteen_settlement")).text
    assert "历下食堂" not in settlement
    # The pick-up counter of another city's canteen is not theirs either.
    assert client.get(reverse("canteen:counter", args=[lixia.canteen_id])).status_code == 403


def test_a_national_admin_sees_both_cities(client, meals):
    client.force_login(national_admin())
    listing = client.get(reverse("admin:canteen_canteen_changelist")).text
    assert "李沧食堂" in listing and "历下食堂" in listing


def test_a_jinan_rider_sees_and_orders_from_jinan_canteens_only(client, meals):
    licang, _lixia = meals
    rider = jinan_rider()
    today = timezone.localdate()
    assert [c.name for c in canteens_with_menu(today=today, city_id=jinan().pk)] == ["历下食堂"]
    page = rider_client(client, rider).get(reverse("canteen:list")).text
    assert "历下食堂" in page and "李沧食堂" not in page
    assert client.get(reverse("canteen:order", args=[licang.pk])).status_code == 404
    with pytest.raises(CanteenError) as refused:
        services.meal_order_place(rider=rider, set_meal_id=licang.pk)
    assert refused.value.code == "other_city"
    assert not MealOrder.objects.filter(rider=rider).exists()


def test_subsidised_meals_a_day_are_the_riders_citys(meals):
    licang, lixia = meals
    city = jinan()
    city.subsidised_meals_per_day = 1
    city.save()
    rider = jinan_rider()
    today = timezone.localdate()
    assert subsidised_meals_left(rider=rider, today=today) == 1
    first = services.meal_order_place(rider=rider, set_meal_id=lixia.pk)
    second = services.meal_order_place(rider=rider, set_meal_id=lixia.pk)
    assert first.subsidised and not second.subsidised
    assert second.rider_price == lixia.list_price
    # Qingdao keeps the deployment's default (2).
    qingdao_rider = RiderFactory()
    assert subsidised_meals_left(rider=qingdao_rider, today=today) == 2
    orders = [services.meal_order_place(rider=qingdao_rider, set_meal_id=licang.pk) for _ in "ab"]
    assert all(order.subsidised for order in orders)
