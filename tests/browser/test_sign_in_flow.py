"""A rider signs in with the one-time code, uses the portal in Chinese and English, signs out."""

import re

import pytest

from core.models import User
from tests.factories import RiderFactory, qingdao_district

pytestmark = pytest.mark.browser


@pytest.fixture
def rider(transactional_db):
    return RiderFactory(
        name="王小骑", tier="honour", district=qingdao_district("李沧区"), station="李沧万达站"
    )


def test_sign_in_switch_language_and_sign_out(sign_in_rider, rider, live_server, screenshot_dir):
    page = sign_in_rider(rider)
    assert page.locator(".greeting__hello").inner_text() == "你好，王小骑"
    assert page.locator(".tier").inner_text() == "荣誉骑士"
    tabs = page.locator("nav.tabs a")
    assert tabs.all_inner_texts() == ["首页", "服务", "随手拍", "我的"]
    page.screenshot(path=str(screenshot_dir / "home-signed-in.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator(".greeting__hello").inner_text() == "Hello, 王小骑"
    assert page.locator("nav.tabs a").all_inner_texts() == ["Home", "Services", "Report", "Me"]
    assert User.objects.get(pk=rider.user_id).language == "en"

    page.get_by_role("link", name="Me", exact=True).click()
    assert page.get_by_role("heading", name="王小骑").is_visible()
    assert rider.masked_phone in page.content()
    assert rider.phone not in page.content()  # masked even for the rider
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/sign-in/")
    assert page.get_by_role("heading", name="Sign in with your phone").is_visible()

    page.goto(f"{live_server.url}/me/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")


def test_wrong_code_is_explained_and_the_right_one_still_works(
    page, live_server, rider, sms_outbox
):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("6位验证码").fill(wrong)
    page.get_by_role("button", name="登录").click()
    assert "验证码错误或已过期" in page.locator(".field__error").inner_text()
    page.get_by_label("6位验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_each_tab_marks_itself_current(sign_in_rider, rider, live_server):
    page = sign_in_rider(rider)
    for label, path in (
        ("服务", "/services/"),
        ("随手拍", "/report/"),
        ("我的", "/me/"),
        ("首页", "/"),
    ):
        page.locator("nav.tabs").get_by_role("link", name=label).click()
        page.wait_for_url(f"{live_server.url}{path}")
        current = page.locator('nav.tabs a[aria-current="page"]')
        assert current.count() == 1 and current.inner_text() == label


def test_a_refused_code_request_says_why_and_stays_on_the_form(
    page, live_server, rider, sms_outbox, settings
):
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 0  # as if this connection had used up its codes
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(rider.phone)
    with page.expect_response(f"{live_server.url}/sign-in/") as answer:
        page.get_by_role("button", name="发送验证码").click()
    assert answer.value.status == 429
    assert page.url == f"{live_server.url}/sign-in/"
    error = page.locator(".field__error")
    assert error.get_attribute("role") == "alert" and error.inner_text().strip()
    assert page.get_by_label("手机号码").input_value() == rider.phone
    assert not sms_outbox
