"""`{% rider_map %}`: the map box of a rider page, with the script that draws it.

Renders nothing without a tile server (settings.MAP_TILE_URL), so the page is its list alone
and neither Leaflet nor static/js/rider-map.js is downloaded. The markers are the page's own
elements (`points`, a CSS selector: each carries data-lat, data-lng in WGS84, data-kind and
data-label), so the map costs no request of its own.
"""

from django import template
from django.utils.translation import gettext_lazy as _

from core.maps import tile_map

register = template.Library()


@register.inclusion_tag("_map.html")
def rider_map(
    *,
    label: str,
    points: str = "",
    here=None,
    centre=None,
    point=None,
    pick: bool = False,
    size: str = "",
    css: bool = True,
) -> dict:
    """The map box. `here`: where the rider stands, a blue dot; `centre`: where to look when
    there is nothing to show; `point`: the one place the page is about (a report's); each a
    (latitude, longitude) pair or anything with `latitude` and `longitude`. `pick`: a pin the
    rider drags (or taps the map to move) that writes the form's latitude and longitude
    fields, in WGS84. `css=False`: the page links static/css/map.css itself."""
    return {
        "map": tile_map(),
        "label": label,
        "points": points,
        "here": _pair(here),
        "centre": _pair(centre),
        "point": _pair(point),
        "pick": pick,
        "size": size,
        "css": css,
        "show_label": _("Show the map"),
    }


@register.simple_tag
def rider_map_on() -> bool:
    """Whether the pages draw maps (`{% rider_map_on as has_map %}`): e.g. to number the list's
    entries like the map's pins."""
    return tile_map() is not None


def _pair(value) -> tuple | None:
    if value is None or value == "":
        return None
    if hasattr(value, "latitude"):
        return (value.latitude, value.longitude)
    latitude, longitude = value
    return (latitude, longitude)
