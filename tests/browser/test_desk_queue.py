"""An officer on a phone (390×844) signs in to the workbench with a password and the
authenticator's code, sees the queue with the urgent report first, filters "overdue", and
takes a report for themselves (issue 15). No page breaks the Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from governance.models import Priority, Report
from tests.desk.desk_stubs import desk_urls  # noqa: F401  (autouse)
from tests.desk.helpers import PASSWORD, officer, queued
from tests.factories import DepartmentFactory
from tests.staff_otp import staff_device, totp_token

pytestmark = pytest.mark.browser


def test_officer_signs_in_filters_overdue_and_takes_a_report(
    transactional_db, page, live_server, screenshot_dir
):
    department = DepartmentFactory(name="李沧区九水街道办", name_en="Jiushui street office")
    user = officer(department, username="officer-wang", first_name="王", last_name="")
    device = staff_device(user)
    queued(department, hours=72)
    urgent = queued(department, hours=24, priority=Priority.URGENT)
    late = queued(department, hours_used=80, hours=72, is_overdue=True)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{live_server.url}/desk/")
    page.wait_for_url(re.compile(r"/desk/sign-in/"))
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#desk-sign-in-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/desk/sign-in/code/"))
    page.locator("input[name=token]").fill(totp_token(device))
    page.locator("#desk-code-form [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/desk/")

    rows = page.locator(".q-row")
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".q-num")).to_have_text(urgent.public_id)
    expect(rows.first.locator(".q-badge--urgent")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "desk-queue.png"), full_page=True)

    page.locator("input[name=overdue]").check()
    page.locator("#queue-filters [type=submit]").click()
    page.wait_for_url(re.compile(r"overdue=on"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".q-clock--red")).to_be_visible()

    rows.first.locator(".q-assign button").click()
    page.wait_for_url(re.compile(r"overdue=on"))
    expect(page.locator(".msg--success")).to_contain_text(late.public_id)
    expect(rows.first.locator(".q-who")).to_contain_text("王")
    assert Report.objects.get(pk=late.pk).assignee_id == user.pk
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations == []
