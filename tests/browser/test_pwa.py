"""The portal as an installed app on a 390×844 phone in Debian's chromium (issue 17): the service
worker installs, a page the rider has seen opens again with the network off, one they have not
seen shows the offline page, signing out forgets the pages kept; and the dark scheme renders with
every text at AA contrast (light and dark: tests/core/test_design_tokens.py for the tokens)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance.models import Report
from tests.browser import test_report_flow as report_flow
from tests.factories import RiderFactory
from tests.pages import rider_pages

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()
NO_PROBLEMS = {"small": [], "unlabelled": [], "lowContrast": []}
# The report form's phone (signed in, standing in Licang) and its routed department.
phone, department, fill_report = report_flow.phone, report_flow.department, report_flow.fill_report
LIGHT_BG, DARK_BG = "rgb(244, 242, 239)", "rgb(20, 19, 18)"  # --c-bg in static/css/portal.css

CONTROLLED = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
  ? true
  : new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true))))"""
# The pages the worker holds, as paths (the caches named rp-pages-<version>).
KEPT = """async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("rp-pages-")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
  }
  return paths;
}"""


@pytest.fixture
def rider(transactional_db):
    return RiderFactory(name="王小骑")


def kept(page) -> list[str]:
    return page.evaluate(KEPT)


def wait_until_kept(page, path: str) -> None:
    page.wait_for_function(f"({KEPT})().then((paths) => paths.includes({path!r}))")


def test_seen_pages_open_offline_and_sign_out_forgets_them(sign_in_rider, rider, live_server):
    page = sign_in_rider(rider)
    assert page.evaluate(CONTROLLED)
    registration = page.evaluate(
        "navigator.serviceWorker.getRegistration().then((r) => [r.scope, r.active.scriptURL])"
    )
    assert registration == [f"{live_server.url}/", f"{live_server.url}/sw.js"]
    shell = page.evaluate("caches.keys()")
    assert any(name.startswith("rp-shell-") for name in shell)

    page.goto(f"{live_server.url}/me/")
    wait_until_kept(page, "/me/")
    assert "/sign-in/" not in kept(page)  # sign-in pages are never kept

    page.context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/me/")
        assert "王小骑" in page.locator("main").inner_text()  # the last copy seen
        assert page.locator("link[rel=stylesheet]").count() >= 1
        # The styles came from the shell, so the page looks as it did.
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == LIGHT_BG
        page.goto(f"{live_server.url}/points/")  # never opened on this phone
        assert page.locator("[data-offline]").is_visible()
        assert page.evaluate(CHECKS) == NO_PROBLEMS
    finally:
        page.context.set_offline(False)

    page.goto(f"{live_server.url}/me/")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/sign-in/")
    page.wait_for_function(f"({KEPT})().then((paths) => paths.length === 0)")

    # The next rider on this phone, offline, gets the offline page, not the last rider's Me.
    page.context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/me/")
        assert page.locator("[data-offline]").is_visible()
        assert "王小骑" not in page.locator("main").inner_text()
    finally:
        page.context.set_offline(False)


def test_a_new_rider_on_the_same_phone_never_sees_the_last_ones_pages(
    sign_in_rider, rider, live_server
):
    page = sign_in_rider(rider)
    assert page.evaluate(CONTROLLED)
    page.goto(f"{live_server.url}/me/")
    wait_until_kept(page, "/me/")
    # The session runs out (no sign-out) and someone else signs in on this phone.
    page.context.clear_cookies()
    other = RiderFactory(name="李大骑")
    sign_in_rider(other)
    page.goto(f"{live_server.url}/")
    page.wait_for_function(f"({KEPT})().then((paths) => !paths.includes('/me/'))")


def test_a_report_filed_offline_on_the_kept_form_is_sent_later(phone, live_server, department):
    # The worker never touches POSTs: the form's own offline drafts (IndexedDB) still work when
    # the form itself came from the worker's cache.
    page, context, rider = phone
    assert page.evaluate(CONTROLLED)
    page.goto(f"{live_server.url}/report/")
    wait_until_kept(page, "/report/")
    context.set_offline(True)
    fill_report(page, live_server)  # opens /report/ again: from the cache now
    page.get_by_role("button", name="提交上报").click()
    page.locator("[data-pending]").wait_for(state="visible")
    assert not Report.objects.exists()
    context.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_hidden(timeout=15000)
    assert Report.objects.get(rider=rider).photos.count() == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_in_both_schemes(sign_in_rider, rider, live_server, screenshot_dir, scheme):
    paths = rider_pages(rider)
    page = sign_in_rider(rider)
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == (DARK_BG if scheme == "dark" else LIGHT_BG)
    assert page.evaluate(CHECKS) == NO_PROBLEMS, "/"
    page.screenshot(path=str(screenshot_dir / f"home-{scheme}.png"), full_page=True)
    if scheme == "dark":
        for path in paths[1:]:
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate(CHECKS) == NO_PROBLEMS, path
        page.goto(f"{live_server.url}/reports/")
        page.screenshot(path=str(screenshot_dir / "reports-dark.png"), full_page=True)


def test_favicon_and_worker_in_the_browser(page, live_server, transactional_db):
    response = page.goto(f"{live_server.url}/favicon.ico")
    assert response.status == 200 and response.headers["content-type"] == "image/x-icon"
    response = page.goto(f"{live_server.url}/sw.js")
    assert response.headers["service-worker-allowed"] == "/"
