"""A rider orders a set meal, sees who paid what and the pick-up code; before opening time the
page says when to pick up; canteens come nearest first from the phone's position; the order
history folds each price split and pages. Phone viewport (390×844), every tap target ≥ 44 px."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from canteen import services
from canteen.models import Canteen, MealOrder
from core.models import District
from tests.factories import RiderFactory, canteen_with_meal

pytestmark = pytest.mark.browser
CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()
QINGDAO = ZoneInfo("Asia/Shanghai")


def assert_fits_the_phone(page, what: str) -> None:
    assert page.evaluate(CHECKS)["small"] == [], what  # every tap target ≥ 44×44 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what


def test_order_a_meal_and_see_the_code(
    transactional_db, sign_in_rider, live_server, screenshot_dir
):
    rider = RiderFactory(name="王小骑")
    canteen_with_meal(name="李沧骑手食堂")
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/canteens/")
    my_orders = page.locator("[data-my-orders]").bounding_box()
    assert my_orders["height"] >= 44 and my_orders["width"] >= 44
    assert_fits_the_phone(page, "canteens")
    page.get_by_role("link", name="点餐").first.click()
    page.get_by_text("政府激励").wait_for()
    page.get_by_role("button", name="下单").click()
    page.wait_for_url("**/canteens/orders/")
    code = MealOrder.objects.get(rider=rider).pickup_code
    assert page.locator("[data-pickup-code]").first.inner_text() == code
    # The split is folded: the summary shows what the rider pays; a tap opens who paid what.
    assert not page.get_by_text("政府激励").is_visible()
    page.locator("[data-split] summary").first.click()
    assert page.get_by_text("政府激励").is_visible()
    page.screenshot(path=str(screenshot_dir / "canteen-order.png"), full_page=True)
    assert_fits_the_phone(page, "my orders")


def test_before_opening_nearest_first_and_a_paged_history(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, screenshot_dir
):
    rider = RiderFactory(name="王小骑")  # lives in Licang
    meal = canteen_with_meal(name="李沧骑手食堂", opens="10:00", closes="21:00")
    shinan = canteen_with_meal(name="市南骑手食堂", opens="10:30", closes="20:30")
    Canteen.objects.filter(pk=shinan.canteen_id).update(
        district=District.objects.get(city__code="qingdao", name="市南区"),
        latitude=Decimal("36.065800"),
        longitude=Decimal("120.384200"),
    )
    for days in range(1, 12):  # eleven earlier orders: the history has a second page
        with time_machine.travel(
            dt.datetime(2026, 11, 30, 12, tzinfo=QINGDAO) - dt.timedelta(days=days)
        ):
            services.meal_order_place(rider=rider, set_meal_id=meal.pk)
    context = browser.new_context(
        **browser_context_args,
        geolocation={"latitude": 36.0661, "longitude": 120.3845, "accuracy": 20},  # in Shinan
        permissions=["geolocation"],
    )
    page = context.new_page()
    with time_machine.travel(dt.datetime(2026, 12, 1, 7, 30, tzinfo=QINGDAO), tick=True):
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("手机号码").fill(rider.phone)
        page.get_by_role("button", name="发送验证码").click()
        page.wait_for_url("**/sign-in/code/")
        code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
        page.get_by_label("6位验证码").fill(code)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/canteens/")
        titles = page.locator("[data-canteen] h3")
        assert titles.all_inner_texts() == ["李沧骑手食堂", "市南骑手食堂"]  # the district's
        page.locator("a[data-nearby]").click()
        page.wait_for_url(re.compile(r".*lat=36\.0661.*"))
        assert titles.all_inner_texts() == ["市南骑手食堂", "李沧骑手食堂"]  # where they stand
        assert page.locator('[data-window="later"]').count() == 2
        assert "10:30" in page.locator("[data-window]").first.inner_text()
        assert_fits_the_phone(page, "canteens before opening")

        page.locator(f'a[href="/canteens/meals/{meal.pk}/"]').click()
        assert "10:00" in page.locator('[data-window="later"]').inner_text()
        page.get_by_role("button", name="下单").click()
        page.wait_for_url("**/canteens/orders/")
        assert "10:00" in page.locator("[data-pickup-window]").inner_text()
        assert page.locator("[data-split]").count() == 10
        page.screenshot(path=str(screenshot_dir / "canteen-orders.png"), full_page=True)
        assert_fits_the_phone(page, "order history")
        page.locator('a[rel="next"]').click()
        page.wait_for_url("**/canteens/orders/?page=2")
        assert page.locator("[data-split]").count() == 2
        assert_fits_the_phone(page, "order history, page 2")
    context.close()
