"""A rider spends points on a canteen meal voucher in a real browser at a phone viewport."""

import pytest

from rewards.models import PointsAccount, Redemption
from tests.factories import BenefitFactory, RiderFactory, validated_report

pytestmark = pytest.mark.browser


def test_rider_redeems_a_meal_voucher_and_sees_the_code(
    transactional_db, sign_in_rider, live_server, screenshot_dir
):
    rider = RiderFactory(name="李小骑")
    for _ in range(3):
        validated_report(rider=rider)  # 3 × 10 points
    BenefitFactory(name="骑手食堂午餐券", points_price=20, stock=5, provider="李沧骑手食堂")
    page = sign_in_rider(rider)

    page.goto(f"{live_server.url}/points/")
    assert page.locator("[data-balance]").inner_text() == "30"
    page.get_by_role("link", name="用积分兑换福利").click()
    page.get_by_role("link", name="查看并兑换").click()
    page.get_by_text("兑换后剩余 10 积分").wait_for()
    page.get_by_role("button", name="确认兑换").click()
    page.wait_for_url("**/redemptions/")
    code = Redemption.objects.get(rider=rider).code
    assert page.locator("[data-code]").first.inner_text() == code
    assert page.get_by_text("李沧骑手食堂").first.is_visible()
    page.screenshot(path=str(screenshot_dir / "rewards-voucher.png"), full_page=True)
    assert PointsAccount.objects.get(rider=rider).balance == 10
    # Nothing overflows sideways on a 390 px wide phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
