"""Canteen operators' admin: own canteen only; settlement page and CSV; mark ready."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from canteen import services
from canteen.models import MealOrder
from core.roles import CANTEEN_OPERATOR, DISPATCHER
from tests.factories import RiderFactory, StaffFactory, canteen_with_meal

pytestmark = pytest.mark.django_db


def operator_of(canteen):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=CANTEEN_OPERATOR))
    canteen.staff.add(user)
    return user


def test_operator_sees_only_their_canteen_orders_and_settlement(client):
    mine, theirs = canteen_with_meal(name="我的食堂"), canteen_with_meal(name="别人的食堂")
    for meal in (mine, theirs):
        order = services.meal_order_place(rider=RiderFactory(), set_meal_id=meal.pk)
        services.meal_order_collect(canteen=meal.canteen, code=order.pickup_code, by=None)
    client.force_login(operator_of(mine.canteen))
    page = client.get(reverse("admin:canteen_canteen_changelist")).content.decode()
    assert "我的食堂" in page and "别人的食堂" not in page
    orders = client.get(reverse("admin:canteen_mealorder_changelist")).content.decode()
    assert "我的食堂" in orders and "别人的食堂" not in orders
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(reverse("admin:canteen_canteen_settlement"), {"month": month})
    assert [row.canteen.name for row in response.context["rows"]] == ["我的食堂"]
    response = client.get(
        reverse("admin:canteen_canteen_settlement"), {"month": month, "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["month", "canteen", "meals_served"]
    assert rows[1][1:] == ["我的食堂", "1", "1", "22.00", "5.00", "4.00", "3.00", "10.00"]
    bad = client.get(reverse("admin:canteen_canteen_settlement"), {"month": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_mark_ready_from_the_order_list(client):
    meal = canteen_with_meal()
    order = services.meal_order_place(rider=RiderFactory(), set_meal_id=meal.pk)
    operator = operator_of(meal.canteen)
    client.force_login(operator)
    client.post(
        reverse("admin:canteen_mealorder_changelist"),
        {"action": "mark_ready", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.status == MealOrder.Status.READY and order.ready_at
    assert order.ready_by == operator


def test_other_staff_cannot_open_canteen_admin(client):
    dispatcher = StaffFactory()
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(dispatcher)
    assert client.get(reverse("admin:canteen_canteen_changelist")).status_code == 403
    assert client.get(reverse("admin:canteen_canteen_settlement")).status_code == 403


def test_operator_adds_a_set_meal_with_a_picture_and_a_checked_split(client):
    from tests.factories import photo_upload

    meal = canteen_with_meal()
    client.force_login(operator_of(meal.canteen))
    data = {
        "canteen": meal.canteen_id,
        "name": "海鲜面",
        "name_en": "",
        "description": "",
        "list_price": "20.00",
        "government_part": "5.00",
        "platform_part": "5.00",
        "merchant_part": "11.00",
        "portions_per_day": "50",
        "is_active": "on",
    }
    response = client.post(reverse("admin:canteen_setmeal_add"), data)
    assert response.status_code == 200  # 5 + 5 + 11 > 20: a form error, nothing saved
    assert not meal.canteen.set_meals.filter(name="海鲜面").exists()
    data["merchant_part"] = "2.00"
    data["picture"] = photo_upload(size=(1200, 900))
    response = client.post(reverse("admin:canteen_setmeal_add"), data)
    assert response.status_code == 302
    added = meal.canteen.set_meals.get(name="海鲜面")
    assert added.rider_price == 8 and added.picture.width <= 320
    assert client.get(reverse("canteen:meal_picture", args=[added.pk])).status_code == 200
