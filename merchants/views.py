"""The rider's "nearest with X" page (5-minute service circle)."""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from riders.permissions import rider_required

from . import selectors
from .forms import NearestForm
from .models import SERVICES

BUTTONS = [
    "water",
    "toilet",
    "ebike_charging",
    "battery_swap",
    "charging",
    "repair",
    "pharmacy",
]
TILE_ZOOM = 16


@rider_required
@require_GET
def nearest(request):
    """The signed-in rider: service buttons, then the places nearest to where they stand, open
    ones first (closed ones say when they open); a wider circle when nothing near is open.

    Without a location from the phone the rider's district centre stands in, and the page
    says so.
    """
    form = NearestForm(request.GET or None)
    always_open = form.is_valid() and form.cleaned_data["always_open"]
    context = {
        "buttons": [
            (key, SERVICES[key][1], _query(service=key, always_open=always_open)) for key in BUTTONS
        ],
        "radius": settings.SERVICE_CIRCLE_METRES,
        "nav": "services",
    }
    if request.GET and form.is_valid():
        data = form.cleaned_data
        approximate = data["lat"] is None or data["lng"] is None
        if approximate:
            district = request.rider.district
            lat, lng = district.latitude, district.longitude
        else:
            lat, lng = data["lat"], data["lng"]
        search = selectors.nearby_search(
            latitude=lat, longitude=lng, service=data["service"], always_open=always_open
        )
        where = {} if approximate else {"lat": lat, "lng": lng}
        context.update(
            service=data["service"],
            service_label=SERVICES[data["service"]][1],
            search=search,
            places=search.places,
            approximate=approximate,
            always_open=always_open,
            # The filter keeps the service and the place the rider stands at.
            all_hours_query=_query(service=data["service"], **where),
            always_open_query=_query(service=data["service"], always_open=True, **where),
            here=(lat, lng),
            map=_tile_map(lat, lng, search.places) if settings.MAP_TILE_URL else None,
        )
    elif request.GET:
        context["error"] = (
            _("Choose one of the services below.")
            if "service" in form.errors
            else _("Your location could not be read; try again.")
        )
    return render(request, "merchants/nearest.html", context)


def _query(*, service: str, always_open: bool = False, **where) -> str:
    params = {"service": service, **where}
    if always_open:
        params["always_open"] = "1"
    return urlencode(params)


def _tile_pixel(lat, lng, zoom: int) -> tuple[float, float]:
    """Web-Mercator pixel position (256 px tiles)."""
    scale = 256 * 2**zoom
    x = (float(lng) + 180) / 360 * scale
    siny = math.sin(math.radians(float(lat)))
    y = (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * scale
    return x, y


def _tile_map(lat, lng, places) -> dict:
    """A 3×3-tile map around the rider with the places as numbered pins; plain HTML, no script.

    Tile servers in China serve GCJ-02 maps, so positions are converted like the map links.
    """
    from .geo import wgs84_to_gcj02

    glat, glng = wgs84_to_gcj02(lat, lng)
    cx, cy = _tile_pixel(glat, glng, TILE_ZOOM)
    tx, ty = int(cx // 256), int(cy // 256)
    origin_x, origin_y = (tx - 1) * 256, (ty - 1) * 256
    tiles = [
        {
            "url": settings.MAP_TILE_URL.format(z=TILE_ZOOM, x=tx + dx, y=ty + dy),
            "left": (dx + 1) * 256,
            "top": (dy + 1) * 256,
        }
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    ]
    pins = []
    for number, place in enumerate(places, start=1):
        plat, plng = wgs84_to_gcj02(place.merchant.latitude, place.merchant.longitude)
        px, py = _tile_pixel(plat, plng, TILE_ZOOM)
        left, top = px - origin_x, py - origin_y
        if 0 <= left <= 768 and 0 <= top <= 768:
            pins.append({"number": number, "left": round(left), "top": round(top)})
    return {
        "tiles": tiles,
        "pins": pins,
        "here": {"left": round(cx - origin_x), "top": round(cy - origin_y)},
    }
