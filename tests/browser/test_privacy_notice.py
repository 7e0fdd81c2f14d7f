"""A new rider signs in on a phone (390×844), sees only the privacy notice, accepts it with an
optional consent ticked, and lands on Home; Me → Privacy shows what they accepted."""

import pytest

from privacy.models import ConsentChoice, NoticeAcceptance
from privacy.selectors import current_version_forget
from tests.conftest import _code_from
from tests.factories import RiderFactory, qingdao_district

pytestmark = pytest.mark.browser


@pytest.fixture
def rider(transactional_db):
    current_version_forget()  # the flush between browser tests makes the notice again
    return RiderFactory(
        name="新骑手", district=qingdao_district("李沧区"), notice_accepted=False, consents=()
    )


def test_a_new_rider_accepts_the_notice_then_uses_the_portal(
    page, live_server, rider, sms_outbox, screenshot_dir
):
    page.goto(f"{live_server.url}/me/")
    page.wait_for_url("**/sign-in/**")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    page.get_by_label("6位验证码").fill(_code_from(sms_outbox[-1].text))
    page.get_by_role("button", name="登录").click()

    # No page but the notice: the version, the facts, the optional choices unticked.
    page.wait_for_url("**/privacy/accept/**")
    assert page.locator("[data-notice-version]").get_attribute("data-notice-version") == "1"
    assert page.locator("[data-privacy-contact]").is_visible()
    boxes = page.locator("[data-accept-notice] input[type=checkbox]")
    assert boxes.count() == 2
    assert not any(boxes.nth(i).is_checked() for i in range(2))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "privacy-notice-accept.png"), full_page=True)

    # Home is not reachable before accepting.
    page.goto(f"{live_server.url}/")
    page.wait_for_url("**/privacy/accept/**")

    page.locator("[data-accept-notice] input[value=sms_notices]").check()
    page.locator("[data-accept-notice] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".greeting__hello").inner_text() == "你好，新骑手"
    acceptance = NoticeAcceptance.objects.get(rider=rider)
    assert (acceptance.notice.version, acceptance.channel) == (1, "web")
    assert dict(ConsentChoice.objects.filter(rider=rider).values_list("purpose", "granted")) == {
        "sms_notices": True,
        "honour_roll_public": False,
    }

    # Me → Privacy: what they accepted, and the choice they made.
    page.goto(f"{live_server.url}/me/")
    page.locator("[data-me-privacy]").click()
    page.wait_for_url("**/me/privacy/")
    assert page.locator("[data-accepted]").is_visible()
    assert page.locator("input[value=sms_notices]").is_checked()
    assert not page.locator("input[value=honour_roll_public]").is_checked()
