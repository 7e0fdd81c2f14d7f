"""Admin change lists fit a 1280×800 screen (issue 17 item 8): the dispatch queue's last column
and the subsidy claims' proof link were cut off. Chromium measures each list's table against
the viewport, in Chinese (the staff's language) with full rows, for the dispatcher and the
subsidy reviewer as they sign in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from core.roles import DISPATCHER, SUBSIDY_REVIEWER
from governance import services as governance
from governance import workflow
from subsidies import services as subsidies
from subsidies.models import InsuranceType
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    category,
    photo_upload,
)

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}
# The widest element of the change list and the page's own width, in CSS pixels.
MEASURE = """() => {
  const table = document.querySelector('#result_list');
  const cells = [...document.querySelectorAll('#result_list tr:first-child > *')];
  const last = cells[cells.length - 1];
  // The table's scroll box: a table wider than it scrolls sideways, its last columns hidden.
  const box = table ? table.parentElement : null;
  return {
    table: table ? Math.ceil(table.getBoundingClientRect().right) : null,
    tableWidth: table ? Math.ceil(table.getBoundingClientRect().width) : null,
    box: box ? box.clientWidth : null,
    lastCell: last ? Math.ceil(last.getBoundingClientRect().right) : null,
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  };
}"""


def staff_in(group: str):
    user = StaffFactory(first_name="调度员", last_name="王")
    user.groups.add(Group.objects.get(name=group))
    return user


def sign_in_with_cookie(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)  # with the second factor passed (tests/staff_otp.py)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def fits(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    sizes = page.evaluate(MEASURE)
    assert sizes["table"] is not None, f"no change list at {url}"
    return sizes


def assert_fits(sizes: dict, where: str) -> None:
    assert sizes["viewport"] == SCREEN["width"]
    assert sizes["table"] <= sizes["viewport"], (where, sizes)
    assert sizes["tableWidth"] <= sizes["box"], (where, sizes)
    assert sizes["lastCell"] <= sizes["viewport"], (where, sizes)
    assert sizes["page"] <= sizes["viewport"], (where, sizes)


def full_queue() -> None:
    """Reports with the widest cells a queue has: long names, every badge, an overdue one."""
    department = DepartmentFactory(name="青岛市李沧区李村街道办事处城市管理和综合执法中队")
    for n in range(12):
        report = workflow.route(
            ReportFactory(category=category("blocked-fire-lane"), latitude=36 + n / 100),
            department=department,
        )
    governance.report_deadlines_sweep(now=report.due_at + dt.timedelta(hours=1))
    workflow.to_dispatcher(ReportFactory(latitude=37))


def full_claims() -> None:
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    pension = InsuranceType.objects.get(code="pension")
    for n in range(8):
        subsidies.claim_file(
            rider=RiderFactory(name=f"欧阳长风{n}号骑手"),
            month=month,
            amounts={pension: Decimal("12345.67")},
            proof=photo_upload(),
        )


@pytest.mark.parametrize(
    ("group", "lists"),
    [
        (
            DISPATCHER,
            [
                "/admin/governance/report/",
                "/admin/governance/report/?status__exact=routed",
                "/admin/governance/report/?deadline=overdue",
            ],
        ),
        (SUBSIDY_REVIEWER, ["/admin/subsidies/claim/"]),
    ],
)
def test_change_lists_fit_1280_pixels(
    transactional_db, browser, live_server, screenshot_dir, group, lists
):
    full_queue()
    full_claims()
    context = browser.new_context(viewport=SCREEN, locale="zh-CN", timezone_id="Asia/Shanghai")
    sign_in_with_cookie(context, live_server, staff_in(group))
    page = context.new_page()
    try:
        for path in lists:
            sizes = fits(page, f"{live_server.url}{path}")
            page.screenshot(
                path=screenshot_dir / f"admin-1280-{path.strip('/').replace('/', '-')}.png"
            )
            assert_fits(sizes, path)
        # The proof link and the queue's last column are on screen and can be clicked.
        last = page.locator("#result_list tbody tr:first-child td:last-child")
        box = last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= SCREEN["width"]
    finally:
        context.close()


def test_the_measure_catches_a_table_wider_than_the_screen(transactional_db, browser, live_server):
    """The control: a list made wider than the screen fails the check."""
    full_claims()
    context = browser.new_context(viewport=SCREEN, locale="zh-CN")
    sign_in_with_cookie(context, live_server, staff_in(SUBSIDY_REVIEWER))
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/subsidies/claim/")
        page.evaluate(
            "document.querySelector('#result_list td').insertAdjacentHTML("
            "'beforeend', '<span>' + 'x'.repeat(400) + '</span>')"
        )
        with pytest.raises(AssertionError):
            assert_fits(page.evaluate(MEASURE), "control")
    finally:
        context.close()
