"""A dispatcher signs in to the admin: password, then sets up an authenticator app from the QR
code page (the test plays the app with the key the page shows), then works the queue; the next
sign-in asks for the code. No page breaks the Content-Security-Policy."""

import base64
import re

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import TOTP

from tests.factories import StaffFactory

pytestmark = pytest.mark.browser
PASSWORD = "staff-pass-123"  # tests.factories.StaffFactory


def app_code(secret_text: str, *, later: bool = False) -> str:
    """What an authenticator app shows for the key typed from the page."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    if later:  # a code is good once: the next sign-in in the same 30 s needs the next step
        totp.time = totp.time + 30
    return f"{totp.token():06d}"


def test_dispatcher_sets_up_two_factor_then_signs_in_with_a_code(
    transactional_db, page, live_server, screenshot_dir
):
    dispatcher = StaffFactory(username="dispatcher-li")
    dispatcher.groups.add(Group.objects.get(name="Dispatcher"))
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def password_step():
        page.goto(f"{live_server.url}/admin/")
        page.locator("input[name=username]").fill(dispatcher.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("#login-form [type=submit]").click()

    password_step()
    page.wait_for_url(re.compile(r"/staff/two-factor/set-up/"))
    assert page.locator(".two-factor-qr svg").is_visible()
    secret = page.locator(".two-factor-secret").inner_text()
    page.screenshot(path=str(screenshot_dir / "staff-two-factor-set-up.png"), full_page=True)
    page.locator("input[name=token]").fill(app_code(secret))
    page.locator("#two-factor-form [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/governance/report/")
    assert page.locator("#changelist").is_visible()

    # Next sign-in: password, then just the code.
    page.context.clear_cookies()
    password_step()
    page.wait_for_url(re.compile(r"/staff/two-factor/\?"))
    page.locator("input[name=token]").fill(app_code(secret, later=True))
    page.locator("#two-factor-form [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert violations == []
