"""The rider pages' maps ({% rider_map %}, core/maps.py): which coordinate system the tiles
are in, and the map data each page carries in its HTML (WGS84 as stored, the kind of each
marker, the report form's pick pin); no map, no map script, without a tile server."""

import pytest
from django.urls import reverse

from core.maps import desk_tile_map, tile_crs, tile_map
from governance import workflow
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
)

TILES = "https://tiles.example.cn/{z}/{x}/{y}.png"
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&style=8&x={x}&y={y}&z={z}"


@pytest.mark.parametrize(
    ("url", "configured", "crs"),
    [
        (AMAP, "auto", "gcj02"),
        ("https://wprd01.amap.com/appmaptile?x={x}&y={y}&z={z}", "auto", "gcj02"),
        ("https://rt0.map.gtimg.com/tile?z={z}&x={x}&y={y}", "auto", "gcj02"),
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "auto", "wgs84"),
        ("https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}", "auto", "wgs84"),
        (TILES, "auto", "wgs84"),
        # A host that only looks like AMap's is not AMap's.
        ("https://notamap.com.example.cn/{z}/{x}/{y}.png", "auto", "wgs84"),
        # The setting, when it names one, wins.
        (AMAP, "wgs84", "wgs84"),
        (TILES, "gcj02", "gcj02"),
    ],
)
def test_the_tiles_coordinate_system(url, configured, crs):
    assert tile_crs(url, configured) == crs


def test_no_tile_server_no_map(settings):
    settings.MAP_TILE_URL = ""
    assert tile_map() is None
    settings.MAP_TILE_URL, settings.MAP_TILE_CRS = AMAP, "auto"
    assert tile_map().crs == "gcj02"
    # {s} in AMap's URL is 1 to 4 (webrd01 … webrd04), elsewhere Leaflet's a, b, c.
    assert tile_map().subdomains == "1234"
    settings.MAP_TILE_URL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert (tile_map().crs, tile_map().subdomains) == ("wgs84", "abc")


def test_the_workbench_map_has_its_own_tiles_and_coordinate_system(settings):
    settings.DESK_MAP_TILES = ""
    assert desk_tile_map() is None
    settings.DESK_MAP_TILES, settings.DESK_MAP_TILE_CRS = AMAP, "auto"
    settings.MAP_TILE_ATTRIBUTION = "© 高德地图"
    assert (desk_tile_map().crs, desk_tile_map().attribution) == ("gcj02", "© 高德地图")
    settings.DESK_MAP_TILE_CRS = "wgs84"
    assert desk_tile_map().crs == "wgs84"


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


def page(client, name, *args, **params) -> str:
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_without_tiles_no_page_loads_the_map(client, rider, settings):
    settings.MAP_TILE_URL = ""
    report = ReportFactory(rider=rider)
    apartment_with_beds(2)
    canteen_with_meal()
    for body in (
        page(client, "portal:home"),
        page(client, "reports:new"),
        page(client, "reports:detail", report.public_id),
        page(client, "apartments:list"),
        page(client, "canteen:list"),
        page(client, "merchants:nearest", service="toilet", lat="36.16", lng="120.43"),
    ):
        assert "data-rider-map" not in body and "rider-map.js" not in body
        assert "leaflet" not in body


@pytest.mark.django_db
def test_the_report_form_has_a_pin_for_the_hidden_fields(client, rider, settings):
    settings.MAP_TILE_URL = AMAP
    body = page(client, "reports:new")
    assert 'data-pick-lat="[name=latitude]" data-pick-lng="[name=longitude]"' in body
    assert 'data-crs="gcj02"' in body and "rmap--pick" in body
    # The fields stay hidden and empty: the rider's GPS or the pin fills them.
    assert '<input type="hidden" name="latitude" id="id_latitude">' in body


@pytest.mark.django_db
def test_the_report_page_maps_its_place_only_when_it_is_known(client, rider, settings):
    settings.MAP_TILE_URL = TILES
    report = ReportFactory(rider=rider, latitude="36.151000", longitude="120.431000")
    body = page(client, "reports:detail", report.public_id)
    assert 'data-lat="36.151000" data-lng="120.431000" data-kind="report"' in body
    assert 'data-crs="wgs84"' in body
    # Typed as an address, the point is the district centre: no map pretends to know.
    typed = ReportFactory(rider=rider, location_approximate=True)
    assert "data-rider-map" not in page(client, "reports:detail", typed.public_id)


@pytest.mark.django_db
def test_an_outsider_gets_no_report_page_so_no_map(client, settings):
    settings.MAP_TILE_URL = TILES
    report = workflow.route(
        ReportFactory(latitude="36.151000", longitude="120.431000"),
        department=DepartmentFactory(),
    )
    outsider = RiderFactory()
    client.force_login(outsider.user)
    assert client.get(reverse("reports:detail", args=[report.public_id])).status_code == 404


@pytest.mark.django_db
def test_apartments_and_canteens_carry_their_points(client, rider, settings):
    settings.MAP_TILE_URL = TILES
    apartment_with_beds(2, name="李沧骑手公寓")
    apartment_with_beds(2, name="城阳骑手公寓", status="planned")
    body = page(client, "apartments:list")
    assert 'data-points="[data-apartment]"' in body
    assert 'data-lat="36.160000" data-lng="120.430000"' in body
    assert 'data-kind="place" data-label="李沧骑手公寓"' in body
    assert 'data-kind="soon" data-label="城阳骑手公寓"' in body

    canteen_with_meal()  # open all day
    body = page(client, "canteen:list")
    assert 'data-points="[data-canteen]"' in body
    assert 'data-lat="36.160700" data-lng="120.433100" data-kind="open"' in body
    assert "data-here-lat" not in body  # sorted from the district centre: no rider drawn
    body = page(client, "canteen:list", lat="36.15", lng="120.43")
    assert 'data-here-lat="36.150000" data-here-lng="120.430000"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 6])
def test_the_map_adds_no_query_to_the_lists(client, rider, settings, size):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(size):
        apartment_with_beds(2)
        canteen_with_meal()
    counts = {}
    page(client, "apartments:list")  # the bed counts cached, as for every rider after the first
    for url in ("", TILES):
        settings.MAP_TILE_URL = url
        with CaptureQueriesContext(connection) as queries:
            page(client, "apartments:list")
            page(client, "canteen:list")
        counts[url] = len(queries)
    assert counts[""] == counts[TILES]


@pytest.mark.django_db
def test_the_tile_credit_is_carried_escaped_and_only_when_set(client, rider, settings):
    settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION = TILES, ""
    assert "data-attribution" not in page(client, "apartments:list")
    settings.MAP_TILE_ATTRIBUTION = '© OSM <b>"x"</b>'
    body = page(client, "apartments:list")
    assert 'data-attribution="© OSM &lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in body
