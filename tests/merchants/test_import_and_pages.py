"""CSV import of merchants and the rider's Nearby page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from merchants.importer import ImportRejected, import_merchants, parse_hours
from merchants.models import Merchant, OpeningHours
from tests.factories import RiderFactory, StaffFactory, merchant

pytestmark = pytest.mark.django_db

HEADER = (
    "name,kind,address,district,latitude,longitude,services,hours,discount_note,partner_since\n"
)
GOOD = (
    "骑手友好药房,pharmacy,市北区辽宁路 210 号,市北区,36.0874,120.3743,water|discount,"
    "daily 08:00-22:00,常用药骑手价,2023-06-01\n"
    "夜宵排档,restaurant,市南区香港中路 1 号,市南区,36.0660,120.3850,water|toilet,"
    "mon-thu 10:30-23:00; fri-sat 10:30-02:00,,\n"
    "服务中心,centre,市北区辽宁路 208 号,市北区,36.0871,120.3743,water|toilet|charging,24h,,\n"
)
BAD = (
    "无名,shop,,市北区,36.1,120.3,water,daily 08:00-22:00,,\n"
    "坏类型,castle,某路,市北区,36.1,120.3,water,daily 08:00-22:00,,\n"
    "坏区,shop,某路,火星区,36.1,120.3,water,daily 08:00-22:00,,\n"
    "坏坐标,shop,某路,市北区,north,120.3,water,daily 08:00-22:00,,\n"
    "坏服务,shop,某路,市北区,36.1,120.3,wifi,daily 08:00-22:00,,\n"
    "坏时间,shop,某路,市北区,36.1,120.3,water,someday 8-22,,\n"
)


def test_import_good_rows_report_bad_ones_and_rerun_changes_nothing():
    report = import_merchants((HEADER + GOOD + BAD).encode("utf-8-sig"))
    assert (report.rows, report.created, len(report.bad_rows)) == (9, 3, 6)
    assert [line for line, _reason in report.bad_rows] == [5, 6, 7, 8, 9, 10]
    night = Merchant.objects.get(name="夜宵排档")
    assert night.has_toilet and not night.has_charging
    assert OpeningHours.objects.filter(merchant=night).count() == 6
    assert Merchant.objects.get(name="服务中心").open_24h
    again = import_merchants((HEADER + GOOD).encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = import_merchants((HEADER + GOOD.replace("water|discount", "water")).encode())
    assert changed.updated == 1 and not Merchant.objects.get(name="骑手友好药房").has_discount


def test_whole_file_problems_are_refused():
    with pytest.raises(ImportRejected):
        import_merchants(b"name,kind\n")
    with pytest.raises(ImportRejected):
        import_merchants(b"\xff\xfe\x00bad")


def test_hours_parsing():
    assert parse_hours("24h") == (True, [])
    open_24h, periods = parse_hours("sat-mon 09:00-17:00")
    assert not open_24h and sorted(d for d, _o, _c in periods) == [0, 5, 6]
    with pytest.raises(ValueError):
        parse_hours("sometimes")


def test_admin_import_page(client):
    client.force_login(StaffFactory(is_superuser=True))
    upload = SimpleUploadedFile("m.csv", (HEADER + GOOD).encode(), content_type="text/csv")
    response = client.post(reverse("admin:merchants_merchant_import"), {"file": upload})
    assert response.status_code == 302 and Merchant.objects.count() == 3
    upload = SimpleUploadedFile("m.csv", (HEADER + BAD).encode(), content_type="text/csv")
    response = client.post(reverse("admin:merchants_merchant_import"), {"file": upload})
    assert response.status_code == 200 and len(response.context["report"].bad_rows) == 6


def test_admin_import_is_for_staff_who_may_add_merchants(client):
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:merchants_merchant_import")).status_code == 403


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    # Signed in as riders are (riders/auth.py): user, rider, district and city in one query.
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return rider


def test_nearby_needs_a_rider(client):
    url = reverse("merchants:nearest")
    assert client.get(url).status_code == 302
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 403


def test_nearby_lists_places_from_the_phones_location(client, rider):
    toilet = merchant(name="有厕所的店", lat="36.160500", open_24h=True)
    page = client.get(
        reverse("merchants:nearest"), {"service": "toilet", "lat": "36.1600001234", "lng": "120.43"}
    ).content.decode()
    assert toilet.name in page and "uri.amap.com" in page and "data-place" in page


def test_without_location_the_district_centre_stands_in_and_says_so(client, rider):
    page = client.get(reverse("merchants:nearest"), {"service": "water"}).content.decode()
    assert "msg--warning" in page


def test_bad_input_is_explained(client, rider):
    for params in ({"service": "spa"}, {"service": "water", "lat": "999", "lng": "120"}):
        response = client.get(reverse("merchants:nearest"), params)
        assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_map_only_when_a_tile_server_is_configured(client, rider, settings):
    merchant(name="有厕所的店", lat="36.160500", lng="120.430000", open_24h=True)
    params = {"service": "toilet", "lat": "36.16", "lng": "120.43"}
    page = client.get(reverse("merchants:nearest"), params).content.decode()
    assert "data-rider-map" not in page and "rider-map.js" not in page and "leaflet" not in page
    assert 'data-lat="36.160500"' in page  # the list carries its points either way
    settings.MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    page = client.get(reverse("merchants:nearest"), params).content.decode()
    assert 'data-tiles="https://tiles.example.cn/{z}/{x}/{y}.png"' in page
    assert 'data-points="[data-place]"' in page and "js/rider-map.js" in page
    # Where the phone said the rider is; each place in WGS84 as stored, open or closed.
    assert 'data-here-lat="36.160000" data-here-lng="120.430000"' in page
    assert 'data-lat="36.160500" data-lng="120.430000" data-kind="open"' in page
    assert 'data-n="1" data-label="有厕所的店"' in page


def test_the_map_marks_closed_places_and_no_rider_at_the_district_centre(client, rider, settings):
    settings.MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    merchant(name="打烊的店", lat="36.160500", hours=())
    params = {"service": "toilet", "lat": "36.16", "lng": "120.43"}
    page = client.get(reverse("merchants:nearest"), params).content.decode()
    assert 'data-kind="closed"' in page and 'data-kind="open"' not in page
    page = client.get(reverse("merchants:nearest"), {"service": "toilet"}).content.decode()
    # Without the phone's position the list is measured from the district centre: the map
    # looks there but draws no rider.
    district = rider.district
    assert f'data-centre-lat="{district.latitude}"' in page and "data-here-lat" not in page


@time_machine.travel(dt.datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_nearby_page_queries_are_constant(client, rider, django_assert_max_num_queries):
    # At noon the places are open: one circle (the night's wider ones: test_night_shift.py).
    for size in (2, 30):
        for n in range(size):
            merchant(lat=f"{36.16 + n / 10000:.6f}")
        with django_assert_max_num_queries(6):
            client.get(
                reverse("merchants:nearest"), {"service": "toilet", "lat": "36.16", "lng": "120.43"}
            )
