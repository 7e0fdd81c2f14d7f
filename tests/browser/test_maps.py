"""The rider maps in a real browser at 390×844 (issue 17): tiles from a tile server of this
test's own (any /z/x/y answers a PNG, each request recorded), markers from the page's own data
(open places distinct from closed, the rider a blue dot), GCJ-02 tiles drawn with GCJ-02
markers, the report form's pin dragged to the problem writing WGS84 into the form, Home at
03:30 in Licang showing the bed offer and what is open on a map at once; no console error, no
CSP violation, nothing wider than the phone, every tap target 44 px. Without a tile server:
the lists alone, and Leaflet never downloaded."""

import copy
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from apartments.services import application_submit, bed_offer
from core.geo import distance_m
from governance.models import Report
from merchants.geo import gcj02_to_wgs84, wgs84_to_gcj02
from riders_portal.settings import _tile_origin
from tests.desk.helpers import officer, queued
from tests.factories import (
    DepartmentFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    jpeg_bytes,
    merchant,
    qingdao_district,
)
from tests.tiles import TileServer

pytestmark = pytest.mark.browser
CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()
HERE = {"latitude": 36.1451, "longitude": 120.4329, "accuracy": 15}
NIGHT = dt.datetime(2026, 12, 1, 3, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday
DAYTIME = (("daily", "07:00", "22:00"),)
FIELDS = ("latitude", "longitude")
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def tiles(settings):
    """MAP_TILE_URL on our tile server, and the policy admitting its origin for images, as
    settings.py does for the configured one at start-up (the policy stays strict otherwise)."""
    server = TileServer()
    settings.MAP_TILE_URL = server.url
    settings.MAP_TILE_CRS = "gcj02"  # AMap-like tiles: markers converted
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"].append(_tile_origin(server.url))
    settings.CONTENT_SECURITY_POLICY = policy
    yield server
    server.close()


class Phone:
    """A signed-in rider's phone: console errors, CSP violations and requests recorded."""

    def __init__(self, browser, browser_context_args, live_server, sms_outbox, rider, **extra):
        self.context = browser.new_context(**browser_context_args, **extra)
        self.context.add_init_script(LISTEN)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.live_server = live_server
        page = self.page
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("手机号码").fill(rider.phone)
        page.get_by_role("button", name="发送验证码").click()
        page.wait_for_url("**/sign-in/code/")
        code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
        page.get_by_label("6位验证码").fill(code)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

    @classmethod
    def in_licang(cls, browser, browser_context_args, live_server, sms_outbox, rider) -> "Phone":
        """A phone that lets the portal know it stands at HERE, in Licang."""
        return cls(
            browser,
            browser_context_args,
            live_server,
            sms_outbox,
            rider,
            geolocation=HERE,
            permissions=["geolocation"],
        )

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, path: str):
        self.page.goto(f"{self.live_server.url}{path}")
        return self.page

    def map_drawn(self, box: str = "[data-rider-map]"):
        self.page.locator(box).scroll_into_view_if_needed()
        self.page.wait_for_selector(f"{box}[data-ready]")
        self.page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
        return self.page.locator(box)

    def assert_clean(self, what: str) -> None:
        page = self.page
        assert self.errors == [], what
        assert page.evaluate("window.__csp || []") == [], what
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, what
        assert page.evaluate(CHECKS)["small"] == [], what

    def close(self) -> None:
        self.context.close()


def markers(page, box: str = "[data-rider-map]") -> list[dict]:
    """The map's markers as Leaflet holds them: where (in the tiles' coordinates) and kind."""
    return page.locator(box).evaluate(
        """box => box.riderMap.layer.getLayers().map(m => ({
            lat: m.getLatLng().lat, lng: m.getLatLng().lng,
            kind: (m.options.icon.options.className.match(/rmap-pin--(\\w+)/) || [])[1]}))"""
    )


def test_nearby_at_night_draws_open_and_closed_places_on_gcj02_tiles(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, tiles, screenshot_dir
):
    open_toilet = merchant(name="通宵便利店", lat="36.147000", lng="120.433000", open_24h=True)
    closed = merchant(name="早七点餐馆", lat="36.146000", lng="120.434500", hours=DAYTIME)
    with time_machine.travel(NIGHT, tick=True):
        phone = Phone.in_licang(
            browser, browser_context_args, live_server, sms_outbox, RiderFactory(name="王小骑")
        )
        page = phone.open("/nearby/")
        page.get_by_role("link", name="厕所").click()
        page.wait_for_url(re.compile(r".*service=toilet&lat=36\.1451.*"))
        box = phone.map_drawn()
        assert tiles.requests and all(z == 16 for z, _x, _y in tiles.requests)
        # Open and closed look different, the rider is the blue dot, numbers match the list.
        assert page.locator(".rmap-pin--open").count() == 1
        assert page.locator(".rmap-pin--closed").count() == 1
        assert page.locator(".rmap-pin--here").count() == 1
        assert page.locator(".rmap-pin--open").inner_text() == "1"
        assert page.locator("[data-place]").first.locator(".map-n").inner_text() == "1"
        # GCJ-02 tiles: each marker where merchants/geo.py puts the stored WGS84 point.
        drawn = {m["kind"]: (m["lat"], m["lng"]) for m in markers(page)}
        for kind, place in (("open", open_toilet), ("closed", closed)):
            expected = wgs84_to_gcj02(place.latitude, place.longitude)
            assert distance_m(*drawn[kind], *expected) < 0.01, kind
            assert distance_m(*drawn[kind], place.latitude, place.longitude) > 100
        here = wgs84_to_gcj02(HERE["latitude"], HERE["longitude"])
        assert distance_m(*drawn["here"], *here) < 0.01
        # A tap on a pin names the place.
        page.locator(".rmap-pin--open").click()
        expect(page.locator(".leaflet-popup-content")).to_contain_text("通宵便利店")
        page.locator(".leaflet-popup-close-button").click()
        expect(page.locator(".leaflet-popup")).to_have_count(0)
        expect(box).to_have_attribute("role", "region")
        page.screenshot(path=str(screenshot_dir / "nearby-map.png"), full_page=True)
        phone.assert_clean("nearby with the map")
        phone.close()


def test_the_browser_converts_as_python_does(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, tiles
):
    phone = Phone(browser, browser_context_args, live_server, sms_outbox, RiderFactory())
    page = phone.open("/nearby/?service=toilet&lat=36.1451&lng=120.4329")
    page.wait_for_function("window.RiderMap !== undefined")
    points = [
        (36.1451, 120.4329),
        (36.0671, 120.3826),
        (31.1774276, 121.5272106),
        (22.543847, 113.912316),
        (39.911954, 116.377817),
        (53.48, 122.35),
        (48.8566, 2.3522),  # Paris: outside China, nothing moves
    ]
    there = page.evaluate("ps => ps.map(p => RiderMap.wgs84ToGcj02(p[0], p[1]))", points)
    back = page.evaluate("ps => ps.map(p => RiderMap.gcj02ToWgs84(p[0], p[1]))", points)
    for point, js_there, js_back in zip(points, there, back, strict=True):
        assert js_there == pytest.approx(list(wgs84_to_gcj02(*point)), abs=1e-9), point
        assert js_back == pytest.approx(list(gcj02_to_wgs84(*point)), abs=1e-9), point
    phone.close()


def test_the_report_pin_dragged_to_the_problem_writes_wgs84(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, tiles, screenshot_dir
):
    # No location permission: GPS is off, the rider places the pin by hand.
    rider = RiderFactory(district=qingdao_district("李沧区"))
    phone = Phone(browser, browser_context_args, live_server, sms_outbox, rider)
    page = phone.open("/report/")
    box = phone.map_drawn()
    assert page.locator("[name=latitude]").input_value() == ""  # a guess is not a place
    pin = page.locator(".rmap-pin--pick")
    start = pin.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + 6 * step, y + 4 * step)
    page.mouse.up()
    expect(page.locator("[name=latitude]")).not_to_have_value("")
    expect(page.locator("[data-location-status]")).not_to_be_empty()

    def fields():
        return tuple(float(page.locator(f"[name={n}]").input_value()) for n in FIELDS)

    def pin_at():
        return tuple(box.evaluate("b => Object.values(b.riderMap.pin.getLatLng())"))

    # The fields hold the WGS84 point under the GCJ-02 pin (six decimals: 0.1 m).
    assert distance_m(*fields(), *gcj02_to_wgs84(*pin_at())) < 0.2
    assert distance_m(*fields(), *pin_at()) > 100  # converted, not copied
    dragged = fields()
    assert distance_m(*dragged, 36.1450, 120.4328) > 20  # it moved from the district centre

    # A tap elsewhere on the map moves the pin there, and the fields with it.
    box.evaluate("b => b.scrollIntoView({block: 'center'})")  # clear of the tab bar below
    map_box = box.bounding_box()
    page.mouse.click(map_box["x"] + map_box["width"] / 2 + 80, map_box["y"] + map_box["height"] / 2)
    expect(page.locator("[name=latitude]")).not_to_have_value(f"{dragged[0]:.6f}")
    assert distance_m(*fields(), *gcj02_to_wgs84(*pin_at())) < 0.2
    page.screenshot(path=str(screenshot_dir / "report-pin.png"), full_page=True)
    phone.assert_clean("report form with the pin")

    # Sent, the report is stored where the pin was, in WGS84.
    picked = fields()
    page.locator("#id_category").select_option(index=1)
    page.locator("#id_description").fill("井盖松动，电动车经过很危险")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "lid.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_url(re.compile(r".*/reports/R\w+/$"))
    report = Report.objects.get(rider=rider)
    assert (float(report.latitude), float(report.longitude)) == pytest.approx(picked, abs=1e-6)
    assert not report.location_approximate
    # Its page shows the place, converted back for the GCJ-02 tiles.
    detail = phone.map_drawn()
    (drawn,) = markers(page)
    assert drawn["kind"] == "report"
    assert distance_m(drawn["lat"], drawn["lng"], *wgs84_to_gcj02(*picked)) < 0.2
    expect(detail).to_be_visible()
    phone.assert_clean("report page with its place")
    phone.close()


def test_the_phones_position_moves_the_pin(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, tiles
):
    phone = Phone.in_licang(browser, browser_context_args, live_server, sms_outbox, RiderFactory())
    page = phone.open("/report/")
    box = phone.map_drawn()
    page.get_by_role("button", name="使用我的位置").click()
    # The fields keep the phone's WGS84 as it gave it; the pin is drawn where GCJ-02 tiles
    # show that point.
    expect(page.locator("[name=latitude]")).to_have_value("36.145100")
    assert page.locator("[name=longitude]").input_value() == "120.432900"
    page.wait_for_function(
        "b => Math.abs(b.riderMap.pin.getLatLng().lat - 36.1451) > 1e-4", arg=box.element_handle()
    )
    pin = box.evaluate("b => Object.values(b.riderMap.pin.getLatLng())")
    assert distance_m(*pin, *wgs84_to_gcj02(HERE["latitude"], HERE["longitude"])) < 0.01
    phone.assert_clean("report form located")
    phone.close()


def test_home_at_half_past_three_shows_the_offer_and_what_is_open_on_a_map(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, tiles, screenshot_dir
):
    rider = RiderFactory(name="王小骑", district=qingdao_district("李沧区"))
    merchant(name="通宵便利店", lat="36.147000", lng="120.433000", open_24h=True)
    merchant(name="早七点餐馆", lat="36.145500", lng="120.432900", hours=DAYTIME)
    merchant(
        name="两公里外换电充电",
        lat="36.163100",
        lng="120.433000",
        has_toilet=False,
        has_ebike_charging=True,
        open_24h=True,
    )
    with time_machine.travel(NIGHT, tick=True):
        apartment = apartment_with_beds(2, name="李沧骑手公寓")
        application_submit(
            rider=rider, apartments=[apartment], desired_move_in=timezone.localdate()
        )
        bed_offer(bed=apartment.beds.first(), by=None)
        phone = Phone.in_licang(browser, browser_context_args, live_server, sms_outbox, rider)
        page = phone.page
        offer, near = page.locator('[data-card="offer"]'), page.locator("[data-near-now]")
        assert "小时" in offer.locator("[data-countdown]").inner_text()
        # The phone already allowed its position: the card is measured from there.
        expect(near.locator("[data-near-from]")).to_have_attribute("data-near-from", "phone")
        phone.map_drawn("[data-near-now] [data-rider-map]")
        assert near.locator('[data-need="toilet"]').inner_text().count("通宵便利店") == 1
        assert "两公里外换电充电" in near.locator('[data-need="ebike"]').inner_text()
        assert page.locator(".rmap-pin--open").count() == 2
        assert page.locator(".rmap-pin--here").count() == 1
        # At once: the offer and the map of what is open are on the first screen.
        page.evaluate("window.scrollTo(0, 0)")
        map_box = near.locator("[data-rider-map]").bounding_box()
        assert offer.bounding_box()["y"] < map_box["y"] and map_box["y"] + map_box["height"] <= 844
        page.screenshot(path=str(screenshot_dir / "home-night-map.png"))
        phone.assert_clean("home at night")
        # "All nearby" opens Nearby help for that service at the rider's position.
        near.locator('[data-need="ebike"] a[data-nearby]').click()
        page.wait_for_url(re.compile(r".*service=ebike_charging&lat=36\.1451.*"))
        phone.close()


def test_apartments_and_canteens_on_the_map(
    transactional_db,
    browser,
    browser_context_args,
    live_server,
    sms_outbox,
    tiles,
    screenshot_dir,
    settings,
):
    settings.MAP_TILE_ATTRIBUTION = "© 测试<地图>"
    apartment_with_beds(2, name="李沧骑手公寓")
    apartment_with_beds(2, name="城阳骑手公寓", status="planned")
    canteen_with_meal()
    phone = Phone(browser, browser_context_args, live_server, sms_outbox, RiderFactory())
    page = phone.open("/apartments/")
    phone.map_drawn()
    assert page.locator(".rmap-pin--place").count() == 1
    assert page.locator(".rmap-pin--soon").count() == 1
    # The tile provider's credit, as text (not HTML) in the corner.
    expect(page.locator(".leaflet-control-attribution")).to_have_text("© 测试<地图>")
    phone.assert_clean("apartments")
    page.screenshot(path=str(screenshot_dir / "apartments-map.png"), full_page=True)
    page = phone.open("/canteens/")
    phone.map_drawn()
    assert page.locator(".rmap-pin--open").count() == 1
    phone.assert_clean("canteens")
    phone.close()


def test_without_a_tile_server_the_lists_work_and_leaflet_is_never_fetched(
    transactional_db, browser, browser_context_args, live_server, sms_outbox, settings
):
    settings.MAP_TILE_URL = ""
    merchant(name="通宵便利店", lat="36.147000", lng="120.433000", open_24h=True)
    apartment_with_beds(2, name="李沧骑手公寓")
    phone = Phone.in_licang(browser, browser_context_args, live_server, sms_outbox, RiderFactory())
    page = phone.open("/nearby/")
    page.get_by_role("link", name="厕所").click()
    page.wait_for_url(re.compile(r".*service=toilet&lat=36\.1451.*"))
    assert page.locator("[data-place] strong").all_inner_texts() == ["通宵便利店"]
    for path in ("/", "/report/", "/apartments/", "/canteens/"):
        phone.open(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-rider-map]").count() == 0, path
        phone.assert_clean(path)
    assert not [url for url in phone.requests if "leaflet" in url or "rider-map" in url]
    phone.close()


def test_the_workbench_queue_map_draws_its_reports_on_gcj02_tiles(
    transactional_db, browser, live_server, tiles, settings
):
    """The queue's map (static/js/desk-queue.js) shifts its WGS84 reports onto GCJ-02 tiles
    with the rider map's conversion, and credits the tile provider."""
    settings.DESK_MAP_TILES, settings.DESK_MAP_TILE_CRS = tiles.url, "gcj02"
    settings.MAP_TILE_ATTRIBUTION = "© 测试地图"
    department = DepartmentFactory()
    head = officer(department, head=True)
    report = queued(department, latitude="36.145100", longitude="120.432900")
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    client = Client()
    client.force_login(head)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/desk/")
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    expect(page.locator("#desk-map .leaflet-interactive")).to_have_count(1)
    (drawn,) = page.evaluate("() => document.getElementById('desk-map').deskMap.points")
    expected = wgs84_to_gcj02(report.latitude, report.longitude)
    assert distance_m(*drawn, *expected) < 0.01
    assert distance_m(*drawn, report.latitude, report.longitude) > 100
    expect(page.locator("#desk-map .leaflet-control-attribution")).to_have_text("© 测试地图")
    assert errors == []
    context.close()
