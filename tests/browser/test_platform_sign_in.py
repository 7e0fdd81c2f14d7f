"""A rider signs in with the platform's account in Chromium at 390×844: the portal, a real
OpenID provider (tests/oidc_provider) and back, no code; then signs out of both."""

import pytest

from tests.browser.test_accessibility import assert_accessible
from tests.factories import RiderFactory, qingdao_district

pytestmark = pytest.mark.browser


@pytest.fixture
def platform(oidc_provider_factory, live_server, settings):
    provider = oidc_provider_factory(live_server.url)
    provider.configure(settings)
    return provider


@pytest.fixture
def rider(transactional_db):
    return RiderFactory(
        rider_number="QD-10001", name="王小骑", tier="honour", district=qingdao_district("李沧区")
    )


def in_english(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


def test_sign_in_with_the_platform_and_sign_out_of_both(
    page, live_server, platform, rider, sms_outbox, screenshot_dir
):
    in_english(page, f"{live_server.url}/sign-in/")
    assert page.viewport_size == {"width": 390, "height": 844}
    button = page.get_by_role("link", name="Sign in with the platform")
    assert button.is_visible()
    assert page.get_by_label("Mobile phone number").is_visible()  # the fallback stays
    assert_accessible(page, "sign-in with the platform button")
    page.screenshot(path=str(screenshot_dir / "sign-in-platform.png"), full_page=True)

    button.click()
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    page.get_by_label("Platform account").fill("wang")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".greeting__hello").inner_text() == "Hello, 王小骑"
    assert not sms_outbox  # no code was needed

    page.get_by_role("link", name="Me", exact=True).click()
    page.get_by_role("button", name="Sign out").click()
    # The platform asks whether to end its own session too (RP-initiated logout).
    page.wait_for_url(f"{platform.issuer}/session/end**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/sign-in/**")
    assert page.get_by_text("You have signed out.").is_visible()

    page.goto(f"{live_server.url}/me/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")
    # Signed out at the platform as well: it asks for the account again.
    page.get_by_role("link", name="Sign in with the platform").click()
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    assert page.get_by_label("Platform account").is_visible()


def test_a_rider_the_portal_does_not_know_is_told_why_and_offered_the_phone(
    page, live_server, platform, rider, screenshot_dir
):
    in_english(page, f"{live_server.url}/sign-in/")
    page.get_by_role("link", name="Sign in with the platform").click()
    page.wait_for_url(f"{platform.issuer}/interaction/**")
    page.get_by_label("Platform account").fill("stranger")
    with page.expect_response(lambda r: "/sign-in/platform/callback/" in r.url) as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 403
    alert = page.get_by_role("alert")
    assert "QD-99999" in alert.inner_text()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "refusal page")
    page.screenshot(path=str(screenshot_dir / "sign-in-platform-refused.png"), full_page=True)
    page.get_by_role("link", name="Sign in with your phone number").click()
    page.wait_for_url(f"{live_server.url}/sign-in/")
    assert page.get_by_label("Mobile phone number").is_visible()
