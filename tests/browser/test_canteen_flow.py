"""A rider orders a set meal, sees who paid what and the pick-up code; the counter hands it
over with the code. Phone viewport."""

import pytest

from canteen.models import MealOrder
from tests.factories import RiderFactory, canteen_with_meal

pytestmark = pytest.mark.browser


def test_order_a_meal_and_see_the_code(
    transactional_db, sign_in_rider, live_server, screenshot_dir
):
    rider = RiderFactory(name="王小骑")
    canteen_with_meal(name="李沧骑手食堂")
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/canteens/")
    page.get_by_role("link", name="点餐").first.click()
    page.get_by_text("政府激励").wait_for()
    page.get_by_role("button", name="下单").click()
    page.wait_for_url("**/canteens/orders/")
    code = MealOrder.objects.get(rider=rider).pickup_code
    assert page.locator("[data-pickup-code]").first.inner_text() == code
    page.screenshot(path=str(screenshot_dir / "canteen-order.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
