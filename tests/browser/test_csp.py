"""Chromium enforces the Content-Security-Policy on the rider pages (phone viewport), the admin
and the API docs (desktop), and reports not a single violation: nothing of ours or of the
admin's, Swagger UI's or the maps' (Leaflet) is blocked."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from governance import workflow
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    apartment_with_beds,
    jpeg_bytes,
)
from tests.pages import rider_pages

pytestmark = pytest.mark.browser

# Runs in every document before the page's own scripts; Playwright's init scripts are not
# subject to the page's policy, so the listener itself cannot be blocked.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


class Violations:
    """CSP violations seen by the browser: console reports and securitypolicyviolation events."""

    def __init__(self, context):
        self.seen: list[str] = []
        context.add_init_script(LISTEN)
        context.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.seen.append(message.text)

    def visit(self, page, url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        self.collect(page, url)

    def collect(self, page, where: str) -> None:
        self.seen += [f"{where}: {v}" for v in page.evaluate("window.__csp || []")]
        assert not self.seen, "\n".join(self.seen)


def test_the_watch_sees_a_violation(transactional_db, browser, browser_context_args, live_server):
    """The control: an inline style attribute added to a page is blocked and reported."""
    context = browser.new_context(**browser_context_args)
    violations = Violations(context)
    page = context.new_page()
    violations.visit(page, f"{live_server.url}/sign-in/")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p id=x style=\"color: red\">x</p>')"
    )
    page.wait_for_timeout(200)
    with pytest.raises(AssertionError, match="style-src"):
        violations.collect(page, "control")
    assert page.locator("#x").evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    context.close()


def sign_in_with_cookie(context, live_server, user) -> None:
    """A Django session for `user`, handed to the browser (the staff sign-in steps are tested
    in their own module)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_rider_pages_have_no_csp_violations(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, settings
):
    rider = RiderFactory(name="王小骑")
    paths = rider_pages(rider)
    # The maps (Leaflet, loaded by static/js/rider-map.js): tiles from this server.
    settings.MAP_TILE_URL = f"{live_server.url}/static/icons/icon-192.png?z={{z}}&x={{x}}&y={{y}}"

    context = browser.new_context(
        **browser_context_args,
        geolocation={"latitude": 36.1451, "longitude": 120.4329, "accuracy": 15},
        permissions=["geolocation"],
    )
    violations = Violations(context)
    page = context.new_page()
    violations.visit(page, f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    page.get_by_label("6位验证码").fill(re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    violations.collect(page, "sign-in")

    for path in paths:
        violations.visit(page, f"{live_server.url}{path}")
    violations.visit(page, f"{live_server.url}/nearby/?service=toilet&lat=36.16&lng=120.43")
    page.locator("[data-rider-map]").scroll_into_view_if_needed()
    page.wait_for_selector("[data-rider-map][data-ready] .leaflet-tile-loaded")
    assert page.locator(".rmap-pin[title]").count() >= 1
    assert page.locator(".leaflet-tile-loaded").first.evaluate("e => e.naturalWidth") > 0
    # Leaflet places the pins through the CSSOM, which the policy allows: not at the corner.
    assert page.locator(".rmap-pin--here").evaluate("e => getComputedStyle(e).transform") != "none"
    violations.collect(page, "/nearby/ with the map drawn")

    # The scripts at work: location, photo previews (blob: images), nearby, language switch.
    violations.visit(page, f"{live_server.url}/report/")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "stairs.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.get_by_role("button", name="使用我的位置").click()
    # expect() rather than wait_for_function: polling a string predicate needs eval.
    expect(page.locator("[name=latitude]")).not_to_have_value("")
    page.wait_for_selector("[data-previews] img")
    violations.collect(page, "/report/ with a photo and location")
    violations.visit(page, f"{live_server.url}/nearby/")
    page.get_by_role("link", name="厕所").click()
    page.wait_for_url(re.compile(r".*lat=36\.1451.*"))
    page.wait_for_load_state("networkidle")
    violations.collect(page, "/nearby/ located")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    violations.collect(page, "language switch")
    context.close()


def test_admin_and_api_docs_have_no_csp_violations(
    transactional_db, browser, live_server, screenshot_dir, monkeypatch
):
    staff = StaffFactory()
    # Every permission without a two-factor role: the pages themselves are under test here.
    staff.user_permissions.set(Permission.objects.all())
    apartment = apartment_with_beds(2)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report = ReportFactory()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    violations = Violations(context)
    sign_in_with_cookie(context, live_server, staff)
    page = context.new_page()
    for path in (
        "/admin/",
        "/admin/governance/report/",
        f"/admin/governance/report/{report.pk}/change/",  # photo and event inlines
        "/admin/governance/report/dashboard/",
        "/admin/apartments/apartment/",
        f"/admin/apartments/apartment/{apartment.pk}/change/",  # room type inline
        "/admin/apartments/apartment/occupancy/",
        f"/admin/canteen/canteen/settlement/?month={last_month:%Y-%m}",
        "/admin/riders/rider/",
        "/admin/rewards/ledgerentry/",
        "/admin/subsidies/claim/",
        "/admin/django_celery_beat/periodictask/add/",  # django-celery-beat's inline script
    ):
        violations.visit(page, f"{live_server.url}{path}")

    # A list with the action bar off: Django writes its one inline <style>; ours has the nonce.
    from django.contrib import admin

    from rewards.models import Award

    award_admin = admin.site._registry[Award]
    monkeypatch.setattr(award_admin, "actions_on_top", False)
    monkeypatch.setattr(award_admin, "actions_on_bottom", False)
    violations.visit(page, f"{live_server.url}/admin/rewards/award/")
    assert page.locator("style[nonce]").count() == 1

    # Django's date widget: the calendar pops up and fills the field (admin JS at work).
    violations.visit(page, f"{live_server.url}/admin/rewards/honour/add/")
    page.locator(".datetimeshortcuts a").first.click()  # "Today"
    today = re.sub(r"\D", "", page.input_value("#id_honoured_on"))  # 2026/12/02 in Chinese
    assert today == timezone.localdate().strftime("%Y%m%d")
    page.locator(".date-icon").first.click()
    assert page.locator(".calendarbox").first.is_visible()
    violations.collect(page, "honour date widget")

    # Add another inline row (the admin's inlines.js).
    violations.visit(page, f"{live_server.url}/admin/apartments/apartment/add/")
    rows = page.locator(".dynamic-room_types").count()
    page.locator(".add-row a").first.click()
    assert page.locator(".dynamic-room_types").count() == rows + 1
    violations.collect(page, "apartment inline added")

    # Swagger UI renders the operations from the schema, under the same policy.
    violations.visit(page, f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15000)
    page.screenshot(path=str(screenshot_dir / "api-docs.png"))
    violations.collect(page, "/api/docs/ rendered")
    context.close()


def test_admin_status_badges_have_no_csp_violations(transactional_db, browser, live_server):
    staff = StaffFactory()
    staff.user_permissions.set(Permission.objects.all())
    apartment = apartment_with_beds(2)
    apartment.managers.add(staff)  # never inspected: the red "never" badge
    workflow.route(ReportFactory(), department=DepartmentFactory())  # the deadline badge
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    violations = Violations(context)
    sign_in_with_cookie(context, live_server, staff)
    page = context.new_page()
    try:
        for path in ("/admin/apartments/apartment/", "/admin/governance/report/"):
            violations.visit(page, f"{live_server.url}{path}")
    finally:
        context.close()
