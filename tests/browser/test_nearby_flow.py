"""A rider standing in Licang finds the nearest open toilet: real browser, phone viewport,
location from the phone."""

import re

import pytest

from tests.factories import RiderFactory, merchant

pytestmark = pytest.mark.browser


def test_find_the_nearest_toilet(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, screenshot_dir
):
    merchant(name="近处的便利店", lat="36.146000", lng="120.433000", open_24h=True)
    merchant(name="远一点的餐馆", lat="36.150000", lng="120.433000", open_24h=True)
    merchant(
        name="没有厕所的店", lat="36.145300", lng="120.433000", open_24h=True, has_toilet=False
    )
    rider = RiderFactory(name="王小骑")
    context = browser.new_context(
        **browser_context_args,
        geolocation={"latitude": 36.1451, "longitude": 120.4329, "accuracy": 15},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    page.get_by_label("6位验证码").fill(re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/nearby/")
    page.get_by_role("link", name="厕所").click()
    page.wait_for_url(re.compile(r".*service=toilet&lat=36\.1451.*"))
    places = page.locator("[data-place] strong").all_inner_texts()
    assert places == ["近处的便利店", "远一点的餐馆"]
    assert "营业中" in page.locator("[data-place]").first.inner_text()
    link = page.get_by_role("link", name="在地图中打开").first.get_attribute("href")
    assert link.startswith("https://uri.amap.com/marker?position=120.43")
    page.screenshot(path=str(screenshot_dir / "nearby.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
