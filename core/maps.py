"""Which maps the rider pages draw: the tile server (settings.MAP_TILE_URL) and the coordinate
system its tiles are drawn in (settings.MAP_TILE_CRS), read when a page is rendered.

We store WGS84 everywhere. Tiles from AMap (高德) or Tencent are drawn in GCJ-02, shifted by
a few hundred metres in China; OpenStreetMap, Tianditu (CGCS2000, within centimetres of WGS84)
and a tile server of our own are WGS84. static/js/rider-map.js converts the markers for GCJ-02
tiles and a dragged pin back (docs/decisions.md, "Maps").
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CRS_CHOICES = ("wgs84", "gcj02")
# Tile hosts known to draw GCJ-02: AMap's (webrd0N.is.autonavi.com, *.amap.com) and Tencent's.
GCJ02_HOSTS = re.compile(r"(^|\.)(autonavi\.com|amap\.com|gtimg\.com|map\.qq\.com)$")


# What `{s}` in a tile URL stands for (Leaflet spreads the tiles over these hosts): AMap's
# servers are webrd01…04 and wprd01…04, Tencent's rt0…3, most others a, b, c.
SUBDOMAINS = (
    (re.compile(r"(^|\.)(autonavi|amap)\.com$"), "1234"),
    (re.compile(r"gtimg\.com$"), "0123"),
)


@dataclass(frozen=True)
class TileMap:
    tiles: str  # a Leaflet URL template: …/{z}/{x}/{y}.png
    crs: str  # "wgs84" or "gcj02"
    subdomains: str = "abc"
    attribution: str = ""  # the provider's credit line (settings.MAP_TILE_ATTRIBUTION)


def tile_crs(url: str, configured: str = "auto") -> str:
    """The coordinate system of the tiles at `url`: the setting when it names one, else GCJ-02
    for the hosts known to draw it and WGS84 for any other."""
    if configured in CRS_CHOICES:
        return configured
    host = (urlsplit(url).hostname or "").lower()
    return "gcj02" if GCJ02_HOSTS.search(host) else "wgs84"


def tile_map() -> TileMap | None:
    """The rider pages' map, or None without a tile server (the pages show their lists alone,
    and no map script is loaded)."""
    url = settings.MAP_TILE_URL
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    subdomains = next((chars for pattern, chars in SUBDOMAINS if pattern.search(host)), "abc")
    return TileMap(
        tiles=url,
        crs=tile_crs(url, settings.MAP_TILE_CRS),
        subdomains=subdomains,
        attribution=settings.MAP_TILE_ATTRIBUTION,
    )


def desk_tile_map() -> TileMap | None:
    """The workbench queue's map (settings.DESK_MAP_TILES), or None: the list alone."""
    url = settings.DESK_MAP_TILES
    if not url:
        return None
    return TileMap(
        tiles=url,
        crs=tile_crs(url, settings.DESK_MAP_TILE_CRS),
        attribution=settings.MAP_TILE_ATTRIBUTION,
    )
