"""Coordinates for Chinese map apps, opening hours, direction and travel time.

Chinese map apps (AMap/高德, Tencent) expect GCJ-02 coordinates; phones' browsers give WGS84.
We store WGS84 and convert only when building a map link or drawing on GCJ-02 tiles. The
conversion is the published GCJ-02 forward formula (as in the open-source eviltransform
library); tests check it against that library's reference points for Shanghai, Shenzhen and
Beijing. GCJ-02 has no closed-form inverse: `gcj02_to_wgs84` iterates the forward formula.
static/js/rider-map.js carries the same two functions for the maps in the browser
(tests/browser/test_maps.py checks that both give the same points).
"""

import datetime as dt
import math

from django.utils.translation import gettext_lazy as _

EARTH_A = 6378245.0  # the Krasovsky ellipsoid GCJ-02 is defined on
EARTH_EE = 0.00669342162296594323


def out_of_china(lat: float, lng: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    lat, lng = float(lat), float(lng)
    if out_of_china(lat, lng):
        return lat, lng
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - EARTH_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((EARTH_A * (1 - EARTH_EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (EARTH_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The WGS84 point whose GCJ-02 position is (lat, lng): a pin dragged on GCJ-02 tiles.

    The offset changes slowly with position, so the fixed-point iteration wgs ← wgs − (gcj(wgs)
    − target) converges in a few steps; it stops below 1e-9° (0.1 mm), well under the 1 m the
    maps need (the single-step inverse often quoted is off by up to 5 m)."""
    lat, lng = float(lat), float(lng)
    if out_of_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _step in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < 1e-9 and abs(dlng) < 1e-9:
            break
    return wlat, wlng


def amap_link(lat, lng, name: str) -> str:
    """A link that opens the place in AMap (高德) on the phone, or its web map."""
    from urllib.parse import urlencode

    glat, glng = wgs84_to_gcj02(lat, lng)
    query = urlencode(
        {"position": f"{glng:.6f},{glat:.6f}", "name": name, "coordinate": "gaode", "callnative": 1}
    )
    return f"https://uri.amap.com/marker?{query}"


COMPASS = [
    _("north"),
    _("north-east"),
    _("east"),
    _("south-east"),
    _("south"),
    _("south-west"),
    _("west"),
    _("north-west"),
]


def bearing_deg(lat1, lng1, lat2, lng2) -> float:
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dlmb = math.radians(float(lng2) - float(lng1))
    x = math.sin(dlmb) * math.cos(phi2)
    y = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlmb)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def compass(bearing: float):
    return COMPASS[round(bearing / 45) % 8]


RIDING_KMH = 15
WALKING_KMH = 5


def minutes(distance_m: float, kmh: int) -> int:
    return max(1, round(distance_m / (kmh * 1000 / 60)))


def is_open(*, open_24h: bool, periods, at: dt.datetime) -> bool:
    """Open at the local time `at`? `periods` are (weekday, opens, closes); a period that
    closes at or before it opens runs past midnight into the next day."""
    if open_24h:
        return True
    weekday, now = at.weekday(), at.time()
    yesterday = (weekday - 1) % 7
    for day, opens, closes in periods:
        overnight = closes <= opens
        if day == weekday and opens <= now and (overnight or now < closes):
            return True
        if day == yesterday and overnight and now < closes:
            return True
    return False


def next_opening(*, periods, at: dt.datetime) -> dt.datetime | None:
    """When a place closed at the local time `at` opens next: the first period start after
    `at` within the coming week (today's later period, tomorrow's, …), in `at`'s timezone.
    None when the place has no periods at all (closed every day). `periods` are (weekday,
    opens, closes) for any weekdays; those of past-midnight periods count from their start."""
    starts = {}
    for day, opens, _closes in periods:
        starts.setdefault(day, []).append(opens)
    for ahead in range(8):  # today's later start up to the same weekday next week
        date = at.date() + dt.timedelta(days=ahead)
        for opens in sorted(starts.get(date.weekday(), [])):
            start = dt.datetime.combine(date, opens, tzinfo=at.tzinfo)
            if start > at:
                return start
    return None
