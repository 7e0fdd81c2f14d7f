"""A rider standing in Licang finds the nearest open toilet, and on the night shift (03:30)
e-bike charging further away: real browser, phone viewport (390×844), location from the phone,
every tap target at least 44 px."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import RiderFactory, merchant

pytestmark = pytest.mark.browser
CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()
HERE = {"latitude": 36.1451, "longitude": 120.4329, "accuracy": 15}
# Tuesday 1 December 2026, 03:30 in Qingdao.
NIGHT = dt.datetime(2026, 12, 1, 3, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def phone(browser, browser_context_args, live_server, sms_outbox, rider):
    context = browser.new_context(
        **browser_context_args, geolocation=HERE, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    page.get_by_label("6位验证码").fill(re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def assert_fits_the_phone(page, what: str) -> None:
    assert page.evaluate(CHECKS)["small"] == [], what  # every tap target ≥ 44×44 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what


def test_find_the_nearest_toilet(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, screenshot_dir
):
    merchant(name="近处的便利店", lat="36.146000", lng="120.433000", open_24h=True)
    merchant(name="远一点的餐馆", lat="36.150000", lng="120.433000", open_24h=True)
    merchant(
        name="没有厕所的店", lat="36.145300", lng="120.433000", open_24h=True, has_toilet=False
    )
    context, page = phone(
        browser, browser_context_args, live_server, sms_outbox, RiderFactory(name="王小骑")
    )
    page.goto(f"{live_server.url}/nearby/")
    page.get_by_role("link", name="厕所").click()
    page.wait_for_url(re.compile(r".*service=toilet&lat=36\.1451.*"))
    places = page.locator("[data-place] strong").all_inner_texts()
    assert places == ["近处的便利店", "远一点的餐馆"]
    link = page.get_by_role("link", name="在地图中打开").first.get_attribute("href")
    assert link.startswith("https://uri.amap.com/marker?position=120.43")
    page.screenshot(path=str(screenshot_dir / "nearby.png"), full_page=True)
    assert_fits_the_phone(page, "nearby")
    context.close()


def test_the_night_shift_finds_e_bike_charging_and_an_open_toilet(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, screenshot_dir
):
    # Near the rider: a toilet open all night and one that opens at 07:00; e-bike charging
    # only 2 km north (outside the 1.2 km circle) open all night, and a near one closed.
    merchant(name="通宵便利店", lat="36.147000", lng="120.433000", open_24h=True)
    merchant(
        name="早七点餐馆", lat="36.146000", lng="120.433000", hours=(("daily", "07:00", "22:00"),)
    )
    merchant(
        name="近处充电站",
        lat="36.146500",
        lng="120.433000",
        has_toilet=False,
        has_ebike_charging=True,
        hours=(("daily", "07:00", "22:00"),),
    )
    merchant(
        name="两公里外换电充电",
        lat="36.163100",
        lng="120.433000",
        has_toilet=False,
        has_ebike_charging=True,
        open_24h=True,
    )
    with time_machine.travel(NIGHT, tick=True):
        context, page = phone(
            browser, browser_context_args, live_server, sms_outbox, RiderFactory(name="王小骑")
        )
        page.goto(f"{live_server.url}/nearby/")
        page.locator('[data-nearby="ebike_charging"]').click()
        page.wait_for_url(re.compile(r".*service=ebike_charging&lat=36\.1451.*"))
        assert page.locator("[data-widened]").is_visible()
        cards = page.locator("[data-place]")
        assert cards.locator("strong").all_inner_texts() == ["两公里外换电充电", "近处充电站"]
        assert "is-closed" not in cards.first.get_attribute("class")
        assert "07:00" in cards.nth(1).locator("[data-hours]").inner_text()
        page.screenshot(path=str(screenshot_dir / "nearby-night.png"), full_page=True)
        assert_fits_the_phone(page, "night: e-bike charging")

        page.get_by_role("link", name="厕所").click()
        page.wait_for_url(re.compile(r".*service=toilet&lat=36\.1451.*"))
        assert page.locator("[data-widened]").count() == 0
        cards = page.locator("[data-place]")
        assert cards.locator("strong").all_inner_texts() == ["通宵便利店", "早七点餐馆"]
        assert "已打烊" in cards.nth(1).inner_text() and "07:00" in cards.nth(1).inner_text()

        page.locator("[data-always-open]").click()
        page.wait_for_url(re.compile(r".*always_open=1.*"))
        assert "lat=36.1451" in page.url
        assert page.locator("[data-place] strong").all_inner_texts() == ["通宵便利店"]
        assert_fits_the_phone(page, "night: 24-hour toilets")
        # The 24-hour filter stays on when the rider picks another service.
        page.locator('[data-nearby="water"]').click()
        page.wait_for_url(re.compile(r".*service=water.*always_open=1.*lat=36\.1451.*"))
        context.close()
