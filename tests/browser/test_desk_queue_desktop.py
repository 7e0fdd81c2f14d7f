"""The workbench queue on a desk (1366×768) in a real browser, for a department head, with 1
report and with 500 (issue 15): the page renders, urgent reports first, the countdowns in their
colours, ten pages to click through, the filters applied by clicking; the queries of the page
the browser loaded are the same at 1 and at 500 reports, and its HTML stays under 60 KB."""

import datetime as dt
import re
import threading
import time

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections
from django.test import Client
from django.utils import timezone, translation
from playwright.sync_api import expect

from governance.models import Priority, ReportStatus
from tests.desk.helpers import officer, queued, queued_many
from tests.factories import DepartmentFactory, RiderFactory, category, qingdao_district

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 768}
# The colours of desk.css's countdown states (the left border of a row).
COLOURS = {
    "green": "rgb(46, 125, 50)",
    "amber": "rgb(230, 81, 0)",
    "red": "rgb(198, 40, 40)",
    "paused": "rgb(95, 99, 104)",
}


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % values if values else text


def zh_pattern(message: str) -> re.Pattern:
    """A translated message with its %(…)s values left open."""
    return re.compile(re.sub(r"%\\\(\w+\\\)s", ".+", re.escape(zh(message))))


class LiveServerQueries:
    """The SQL of each request for `path` that the live server answers.

    The live server handles every request in a thread of its own, and Django's database
    connections are per thread: CaptureQueriesContext (or django_assert_num_queries) in the
    test's thread would see none of that request's queries. Django sends request_started and
    request_finished from the thread that handles the request, so on request_started for the
    watched path an execute wrapper (Django's documented hook, `connection.execute_wrapper`) is
    added to *that thread's* connection, and removed on request_finished, which comes after
    the response has been written (the WSGI server closes it). Every query of the request passes
    through the wrapper: middleware, session, the view, the template. Static files and other
    paths are not counted; nothing in the product changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.requests: list[list[str]] = []
        self._local = threading.local()

    def __enter__(self) -> "LiveServerQueries":
        request_started.connect(self._started, dispatch_uid=f"count-{id(self)}")
        request_finished.connect(self._finished, dispatch_uid=f"count-done-{id(self)}")
        return self

    def __exit__(self, *exc) -> None:
        request_started.disconnect(dispatch_uid=f"count-{id(self)}")
        request_finished.disconnect(dispatch_uid=f"count-done-{id(self)}")

    def _started(self, sender, environ=None, **kwargs) -> None:
        if environ is None or environ.get("PATH_INFO") != self.path:
            return
        connection = connections["default"]
        captured: list[str] = []

        def wrapper(execute, sql, params, many, context):
            captured.append(sql)
            return execute(sql, params, many, context)

        connection.execute_wrappers.append(wrapper)
        self._local.active = (connection, wrapper, captured)

    def _finished(self, sender, **kwargs) -> None:
        active = getattr(self._local, "active", None)
        if active is None:
            return
        connection, wrapper, captured = active
        connection.execute_wrappers.remove(wrapper)
        self._local.active = None
        self.requests.append(captured)

    def of_next_request(self, load) -> tuple[list[str], object]:
        """Run `load` (the browser loads the page) and return the queries of that request."""
        seen = len(self.requests)
        result = load()
        deadline = time.monotonic() + 10
        while len(self.requests) == seen:  # request_finished follows the response's last byte
            assert time.monotonic() < deadline, f"no request for {self.path} was answered"
            time.sleep(0.01)
        assert len(self.requests) == seen + 1, "one page load, one request"
        return self.requests[-1], result


def shapes(queries: list[str]) -> list[str]:
    return [re.sub(r"\b(LIMIT|OFFSET) \d+", r"\1 N", sql) for sql in queries]


def sign_in(context, live_server, user) -> None:
    """The session the workbench's sign-in gives (the sign-in itself: test_desk_day.py)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def desk_page(transactional_db, browser):
    context = browser.new_context(
        viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1
    )
    yield context
    context.close()


def test_a_head_s_queue_on_a_desk_with_1_and_500_reports(
    transactional_db, live_server, desk_page, screenshot_dir
):
    department = DepartmentFactory(name="李沧区李村街道办事处", name_en="Licun Street Office")
    head = officer(department, head=True, username="licun-head", first_name="刘主任")
    for n in range(9):  # a team of ten (one team select for the page, a tick per row)
        officer(department, username=f"licun-officer-{n}", first_name=f"陈{n}")
    licang, shibei = qingdao_district("李沧区"), qingdao_district("市北区")
    streetlight = category("broken-streetlight")
    mine = queued(department, assignee=head, district=licang)
    context = desk_page
    sign_in(context, live_server, head)
    page = context.new_page()
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    queue_url = f"{live_server.url}/desk/"

    with LiveServerQueries("/desk/") as counted:
        page.goto(queue_url)  # warm: the connection, the session, the caches
        one, response = counted.of_next_request(lambda: page.goto(queue_url))
        assert response.status == 200
        expect(page.locator(".q-row")).to_have_count(1)
        expect(page.locator(".q-row .q-num")).to_have_text(mine.public_id)
        expect(page.locator(".q-pages")).to_have_count(0)  # one page, no pager

        # 499 more: urgent, overdue, nearly due, paused, and many ordinary ones in two
        # categories and two districts.
        now = timezone.now()
        urgent = [queued(department, priority=Priority.URGENT, hours=24) for _ in range(2)]
        late = [
            queued(department, hours_used=80, hours=72, is_overdue=True, category=streetlight)
            for _ in range(4)
        ]
        for _ in range(3):
            queued(department, hours_used=60, hours=72)  # ¾ of the time used: amber
        for _ in range(2):
            queued(
                department,
                status=ReportStatus.WAITING,
                paused_at=now - dt.timedelta(hours=2),
                hours_used=3,
            )
        rider = RiderFactory()
        queued_many(department, 300, rider=rider, district=shibei, address="市北区台东三路 56 号")
        queued_many(department, 188, rider=rider, district=licang, category=streetlight)

        many, response = counted.of_next_request(lambda: page.goto(queue_url))
        html = response.body()

    # Constant queries: the same statements at 1 and at 500 reports (SQL shown when not); only
    # the page's LIMIT differs (the paginator asks for what is left: 1 row, then 50).
    assert shapes(one) == shapes(many), "\n".join(["at 1:", *one, "at 500:", *many])
    assert 5 <= len(one) <= 20, one  # the counter saw the request's queries, and few of them
    assert len(html) < 60_000, len(html)

    # The page: the count, the team, 50 rows, urgent first, then by due time.
    expect(page.locator(".q-count")).to_contain_text("500")
    expect(page.locator(".q-team li")).to_have_count(10)
    rows = page.locator(".q-row")
    expect(rows).to_have_count(50)
    numbers = rows.locator(".q-num")
    expect(numbers.nth(0)).to_have_text(urgent[0].public_id)
    expect(numbers.nth(1)).to_have_text(urgent[1].public_id)
    expect(rows.locator(".q-badge--urgent")).to_have_count(2)
    for index, report in enumerate(late, start=2):  # overdue: their deadline came first
        expect(numbers.nth(index)).to_have_text(report.public_id)
        expect(rows.nth(index).locator(".q-clock")).to_have_text(zh_pattern("Overdue by %(late)s"))
    # Each countdown state, in its colour.
    for state, colour in COLOURS.items():
        row = page.locator(f".q-row--{state}").first
        expect(row).to_be_visible()
        expect(row).to_have_css("border-left-color", colour)
        expect(row.locator(f".q-clock--{state}")).to_have_css("color", colour)
    expect(page.locator(".q-row--paused .q-clock").first).to_have_text(
        zh_pattern("Paused, %(left)s left")
    )
    expect(page.locator(".q-row--amber")).to_have_count(3)
    expect(page.locator(".q-row--red")).to_have_count(4)
    # A desk: the filters side by side in one row, nothing wider than the screen.
    filters = page.locator("#queue-filters")
    search_box = filters.locator("input[name=q]").bounding_box()
    status_box = filters.locator("select[name=status]").bounding_box()
    assert abs(search_box["y"] - status_box["y"]) < 2  # the same line
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    page.screenshot(path=str(screenshot_dir / "desk-queue-desktop.png"), scale="css")

    # Paging by clicking: ten pages of 50.
    pager = page.locator(".q-pages")
    expect(pager).to_contain_text(zh("Page %(n)s of %(total)s", n=1, total=10))
    first_page = numbers.all_inner_texts()
    with page.expect_navigation(url=re.compile(r"page=2")):
        pager.get_by_role("link", name=zh("Next")).click()
    expect(pager).to_contain_text(zh("Page %(n)s of %(total)s", n=2, total=10))
    expect(rows).to_have_count(50)
    expect(rows.locator(".q-badge--urgent")).to_have_count(0)
    assert not set(numbers.all_inner_texts()) & set(first_page)
    with page.expect_navigation():
        pager.get_by_role("link", name=zh("Previous")).click()
    expect(numbers.first).to_have_text(urgent[0].public_id)

    # Filters by clicking: a category, then overdue only within it.
    page.locator("select[name=category]").select_option(label=str(streetlight))
    with page.expect_navigation(url=re.compile(r"category=")):
        filters.locator("button[type=submit]").click()
    expect(pager).to_contain_text(zh("Page %(n)s of %(total)s", n=1, total=4))  # 192 reports
    expect(page.locator(".q-count")).to_contain_text("192")
    for meta in rows.locator(".q-meta").all_inner_texts():
        assert str(streetlight) in meta
    page.locator("input[name=overdue]").check()
    with page.expect_navigation(url=re.compile(r"overdue=on")):
        filters.locator("button[type=submit]").click()
    expect(rows).to_have_count(4)
    expect(page.locator(".q-row--red")).to_have_count(4)
    expect(pager).to_have_count(0)

    # Clear, then a district; then "assigned to me"; then a number typed in lower case.
    with page.expect_navigation():
        filters.get_by_role("link", name=zh("Clear")).click()
    expect(page.locator(".q-count")).to_contain_text("500")
    page.locator("select[name=district]").select_option(label=str(shibei))
    with page.expect_navigation(url=re.compile(r"district=")):
        filters.locator("button[type=submit]").click()
    expect(page.locator(".q-count")).to_contain_text("300")
    expect(pager).to_contain_text(zh("Page %(n)s of %(total)s", n=1, total=6))
    for meta in rows.locator(".q-meta").all_inner_texts():
        assert str(shibei) in meta
    with page.expect_navigation():
        filters.get_by_role("link", name=zh("Clear")).click()
    page.locator("input[name=mine]").check()
    with page.expect_navigation(url=re.compile(r"mine=on")):
        filters.locator("button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(numbers.first).to_have_text(mine.public_id)
    expect(rows.first.locator(".q-who")).to_contain_text("刘主任")
    with page.expect_navigation():
        filters.get_by_role("link", name=zh("Clear")).click()
    filters.locator("input[name=q]").fill(late[0].public_id.lower())
    with page.expect_navigation(url=re.compile(r"q=")):
        filters.locator("input[name=q]").press("Enter")
    expect(rows).to_have_count(1)
    expect(numbers.first).to_have_text(late[0].public_id)

    # The head ticks two reports and gives them to one officer with the page's one select.
    with page.expect_navigation():
        filters.get_by_role("link", name=zh("Clear")).click()
    picked = numbers.nth(2).inner_text(), numbers.nth(3).inner_text()
    rows.nth(2).locator("input[name=reports]").check()
    rows.nth(3).locator("input[name=reports]").check()
    page.locator("select[name=assignee]").select_option(label="陈0")
    with page.expect_navigation():
        page.locator(".q-bulk button").click()
    expect(page.locator(".messages")).to_contain_text(", ".join(picked))
    for number in picked:
        row = page.locator(".q-row", has=page.locator(f".q-num:text-is('{number}')"))
        expect(row.locator(".q-who")).to_contain_text("陈0")
    assert csp_violations == []
