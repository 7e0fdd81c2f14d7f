"""The hall screen at 1920×1080 in a real browser: it loads with the figures, updates them in
place when the data change, and rides out a network drop (issue 15, docs/hall.md)."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from governance import workflow
from hall.models import HallDisplay
from rewards.models import Honour
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, jpeg_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def screen(transactional_db, browser, live_server, settings):
    # A refresh every second instead of every minute (the page reads it from a data attribute).
    settings.HALL_REFRESH_SECONDS = 1
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    yield page
    context.close()


def _honour(name, title, story, photo=False):
    from django.core.files.base import ContentFile

    honour = Honour(
        rider=RiderFactory(name=name, station="李沧站"),
        kind="bravery",
        title=title,
        story=story,
        honoured_on=timezone.localdate(),
        status="published",
        published_at=timezone.now(),
    )
    if photo:
        honour.photo.save("p.jpg", ContentFile(jpeg_bytes((480, 480), color="teal")), save=False)
    honour.save()
    return honour


def test_hall_screen_loads_updates_in_place_and_survives_a_network_drop(
    screen, live_server, screenshot_dir
):
    display = HallDisplay.objects.create(label="大厅主屏", language="zh-hans")
    department = DepartmentFactory(code="licang-street", name="李沧区李村街道办事处")
    for _ in range(2):
        report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="已清理")
    _honour("张师傅", "社区英雄", "连续三年为独居老人免费送餐。")
    _honour("王小骑", "见义勇为", "雨夜在李村河救起落水老人，送医后默默离开。", photo=True)
    page = screen
    csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m))

    page.goto(f"{live_server.url}/hall/{display.token}/")
    today = page.locator("[data-figure=reports_today]")
    expect(today).to_have_text("2")
    expect(page.locator("[data-hall-ranking] tr")).to_have_count(1)
    expect(page.locator("[data-hall-ranking]")).to_contain_text("李沧区李村街道办事处")
    expect(page.locator(".honour.is-current")).to_have_count(1)
    expect(page.locator(".district").first).to_be_visible()
    # Nothing spills off the screen: it runs unattended, nobody scrolls it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    expect(page.locator(".honour.is-current .honour__photo")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "hall.png"), animations="disabled")

    # The data change: the next refresh shows it without a reload (the same document).
    page.evaluate("window.hallMarker = 'same document'")
    ReportFactory()
    cache.clear()
    expect(today).to_have_text("3", timeout=10_000)
    assert page.evaluate("window.hallMarker") == "same document"

    # The network drops: the last figures stay, the mark shows; back, it goes away.
    page.route("**/data.json", lambda route: route.abort())
    mark = page.locator("[data-hall-reconnecting]")
    expect(mark).to_be_visible(timeout=10_000)
    expect(today).to_have_text("3")
    ReportFactory()
    cache.clear()
    page.unroute("**/data.json")
    expect(mark).to_be_hidden(timeout=15_000)
    expect(today).to_have_text("4")
    assert page.evaluate("window.hallMarker") == "same document"
    assert csp_violations == []


def test_a_revoked_screen_is_a_404_page(screen, live_server):
    display = HallDisplay.objects.create(label="旧屏", is_active=False)
    response = screen.goto(f"{live_server.url}/hall/{display.token}/")
    assert response.status == 404
