"""Reads for partner merchants: "nearest with X" within the 5-minute circle, open ones first,
and a wider circle when nothing in it is open (the night shift)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.geo import bounding_box, distance_m
from core.models import City

from . import geo
from .models import SERVICES, Merchant, OpeningHours

# How far "Nearby help" looks when nothing in the circle is open: twice, then four times the
# circle (1.2 km → 2.4 km → 4.8 km, about 20 minutes by e-bike), and no further: beyond that
# a closed place nearby that opens soon is the better answer. The circle is the rider's city's
# (City.circle_metres: Jinan's 1.5 km widens to 3 and 6 km), the factors the same everywhere.
WIDEN_FACTORS = (2, 4)

# (closed now, distance in metres, merchant id): sorts open places first, nearest first.
Ranked = tuple[bool, float, int]


@dataclass(frozen=True)
class NearbyPlace:
    merchant: Merchant
    distance_m: float
    is_open: bool
    # When a closed place opens next (Qingdao time) and in how many days (0 today, 1 tomorrow);
    # None while open, or for a place that never opens.
    opens_at: dt.datetime | None
    opens_in_days: int | None
    direction: str
    riding_minutes: int
    walking_minutes: int
    map_link: str


@dataclass(frozen=True)
class NearbySearch:
    places: list[NearbyPlace]
    asked_radius_m: int  # the circle the rider asked about
    radius_m: int  # the circle the places come from: wider when nothing was open in the first
    any_open: bool

    @property
    def widened(self) -> bool:
        return self.radius_m > self.asked_radius_m

    @property
    def widest_radius_m(self) -> int:
        return self.asked_radius_m * WIDEN_FACTORS[-1]


def service_filter(service: str) -> Q:
    flag, _label = SERVICES[service]
    if flag is None:  # a pharmacy is a kind of place, not a flag
        return Q(kind=Merchant.Kind.PHARMACY)
    if service == "repair":
        return Q(has_ebike_repair=True) | Q(kind=Merchant.Kind.REPAIR_POINT)
    if service == "battery_swap":
        return Q(has_battery_swap=True) | Q(kind=Merchant.Kind.SWAP_STATION)
    return Q(**{flag: True})


def services_filter(services: Sequence[str]) -> Q:
    """Places offering any of `services` (e-bike charging or a battery swap: the battery is
    full again either way)."""
    match = Q()
    for service in services:
        match |= service_filter(service)
    return match


def _ranked_in_circle(
    *,
    latitude: Decimal,
    longitude: Decimal,
    services: Sequence[str],
    at: dt.datetime,
    radius_m: int,
    always_open: bool,
    known: dict[int, bool] | None = None,
    city_id: int | None = None,
) -> list[Ranked]:
    """Every place offering any of `services` inside the circle, ranked (two queries at most:
    the ids and coordinates in the indexed bounding box; today's and yesterday's opening periods
    of those inside the circle that are not open 24 hours). `known`: closed-or-not of places
    already looked at in a smaller circle, filled in here, so a wider circle reads the hours of
    its ring only."""
    known = {} if known is None else known
    min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius_m)
    in_box = Merchant.objects.filter(
        is_active=True,
        latitude__gte=min_lat,
        latitude__lte=max_lat,
        longitude__gte=min_lng,
        longitude__lte=max_lng,
    ).filter(services_filter(services))
    if city_id is not None:
        # The rider's city's places only, even near a city's edge.
        in_box = in_box.filter(district__city=city_id)
    if always_open:
        in_box = in_box.filter(open_24h=True)
    here_lat, here_lng = float(latitude), float(longitude)
    inside = {}
    for pk, lat, lng, open_24h in in_box.values_list("pk", "latitude", "longitude", "open_24h"):
        distance = distance_m(here_lat, here_lng, lat, lng)
        if distance <= radius_m:
            inside[pk] = (distance, open_24h)
    days = (at.weekday(), (at.weekday() - 1) % 7)
    periods: dict[int, list[tuple[int, dt.time, dt.time]]] = {}
    needs_hours = [
        pk for pk, (_distance, open_24h) in inside.items() if not open_24h and pk not in known
    ]
    if needs_hours:
        for merchant_id, weekday, opens, closes in OpeningHours.objects.filter(
            merchant_id__in=needs_hours, weekday__in=days
        ).values_list("merchant_id", "weekday", "opens", "closes"):
            periods.setdefault(merchant_id, []).append((weekday, opens, closes))
    for pk, (_distance, open_24h) in inside.items():
        if pk not in known:
            known[pk] = not geo.is_open(open_24h=open_24h, periods=periods.get(pk, []), at=at)
    return sorted((known[pk], distance, pk) for pk, (distance, _open_24h) in inside.items())


def _places(
    ranked: list[Ranked], *, latitude: Decimal, longitude: Decimal, at: dt.datetime
) -> list[NearbyPlace]:
    """The shown places' rows, and for the closed ones when they open next (two queries)."""
    if not ranked:
        return []
    shown = Merchant.objects.in_bulk([pk for _closed, _distance, pk in ranked])
    closed_ids = [pk for closed, _distance, pk in ranked if closed]
    week: dict[int, list[tuple[int, dt.time, dt.time]]] = {}
    if closed_ids:
        for merchant_id, weekday, opens, closes in OpeningHours.objects.filter(
            merchant_id__in=closed_ids
        ).values_list("merchant_id", "weekday", "opens", "closes"):
            week.setdefault(merchant_id, []).append((weekday, opens, closes))
    places = []
    for closed, distance, pk in ranked:
        merchant = shown[pk]
        opens_at = geo.next_opening(periods=week.get(pk, []), at=at) if closed else None
        places.append(
            NearbyPlace(
                merchant=merchant,
                distance_m=distance,
                is_open=not closed,
                opens_at=opens_at,
                opens_in_days=(opens_at.date() - at.date()).days if opens_at else None,
                direction=geo.compass(
                    geo.bearing_deg(latitude, longitude, merchant.latitude, merchant.longitude)
                ),
                riding_minutes=geo.minutes(distance, geo.RIDING_KMH),
                walking_minutes=geo.minutes(distance, geo.WALKING_KMH),
                map_link=geo.amap_link(merchant.latitude, merchant.longitude, merchant.name),
            )
        )
    return places


def circle_metres(city: City | None) -> int:
    """The 5-minute circle of `city` (its own, else SERVICE_CIRCLE_METRES)."""
    return city.circle_metres if city is not None else int(settings.SERVICE_CIRCLE_METRES)


def nearest_places(
    *,
    latitude: Decimal,
    longitude: Decimal,
    service: str,
    at: dt.datetime | None = None,
    radius_m: int | None = None,
    always_open: bool = False,
    limit: int = 20,
    city: City | None = None,
) -> list[NearbyPlace]:
    """Places offering `service` within the circle, open ones first, nearest first; closed ones
    say when they open next. `always_open`: only places open 24 hours.

    Four small queries at most whatever the number of places: the ids and coordinates in the
    indexed bounding box; today's and yesterday's opening periods of those inside the circle;
    the full rows of the `limit` places shown; the week's periods of the closed ones shown.
    Distances and opening hours (Qingdao time) are computed here for the few hundred
    candidates in the box (bench/nearest.py).
    """
    at = timezone.localtime(at or timezone.now())
    ranked = _ranked_in_circle(
        latitude=latitude,
        longitude=longitude,
        services=(service,),
        at=at,
        radius_m=radius_m or circle_metres(city),
        always_open=always_open,
        city_id=city.pk if city is not None else None,
    )
    return _places(ranked[:limit], latitude=latitude, longitude=longitude, at=at)


def nearby_search(
    *,
    latitude: Decimal,
    longitude: Decimal,
    service: str,
    at: dt.datetime | None = None,
    radius_m: int | None = None,
    always_open: bool = False,
    limit: int = 20,
    city: City | None = None,
) -> NearbySearch:
    """`nearest_places`, but when nothing in the circle is open now, the circle widens (twice,
    then four times as far) until an open place is in it. When none is open even in the widest
    circle, the first circle's places are shown with when each opens next.

    At most eight queries (two per circle tried, two for the places shown), whatever the
    number of places. With `city`: that city's places and circle (the rider's).
    """
    at = timezone.localtime(at or timezone.now())
    asked = radius_m or circle_metres(city)
    first: list[Ranked] | None = None
    chosen, chosen_radius = None, asked
    known: dict[int, bool] = {}
    for radius in (asked, *(asked * factor for factor in WIDEN_FACTORS)):
        ranked = _ranked_in_circle(
            latitude=latitude,
            longitude=longitude,
            services=(service,),
            at=at,
            radius_m=radius,
            always_open=always_open,
            known=known,
            city_id=city.pk if city is not None else None,
        )
        if first is None:
            first = ranked
        if ranked and not ranked[0][0]:  # the first is open
            chosen, chosen_radius = ranked, radius
            break
    any_open = chosen is not None
    if chosen is None:
        chosen = first or []
    return NearbySearch(
        places=_places(chosen[:limit], latitude=latitude, longitude=longitude, at=at),
        asked_radius_m=asked,
        radius_m=chosen_radius,
        any_open=any_open,
    )


# Home's "open near you now" (issue 17): what a rider on the night shift looks for first, each
# as (need, the services that meet it).
HOME_NEEDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("toilet", ("toilet",)),
    ("ebike", ("ebike_charging", "battery_swap")),
)


@dataclass(frozen=True)
class OpenNear:
    need: str  # "toilet", "ebike": a key of HOME_NEEDS
    service: str  # the first of the need's services, for the link to Nearby help
    place: NearbyPlace | None  # None: nothing open as far as Nearby help looks


def open_near(
    *,
    latitude: Decimal,
    longitude: Decimal,
    at: dt.datetime | None = None,
    needs: Sequence[tuple[str, Sequence[str]]] = HOME_NEEDS,
    city: City | None = None,
) -> list[OpenNear]:
    """For each need, the nearest place open now that meets it, as far as Nearby help's widest
    circle (four times the 5-minute circle): Nearby help's first answer when it widens.

    Two queries per need at most (the coordinates in the box, today's and yesterday's hours of
    those inside) and one for the rows of the places shown, whatever the number of places."""
    at = timezone.localtime(at or timezone.now())
    radius = circle_metres(city) * WIDEN_FACTORS[-1]
    nearest: list[tuple[str, str, Ranked | None]] = []
    for need, services in needs:
        ranked = _ranked_in_circle(
            latitude=latitude,
            longitude=longitude,
            services=services,
            at=at,
            radius_m=radius,
            always_open=False,
            city_id=city.pk if city is not None else None,
        )
        first_open = next((row for row in ranked if not row[0]), None)
        nearest.append((need, services[0], first_open))
    shown = _places(
        [row for _need, _service, row in nearest if row is not None],
        latitude=latitude,
        longitude=longitude,
        at=at,
    )
    by_id = {place.merchant.pk: place for place in shown}
    return [
        OpenNear(need=need, service=service, place=by_id[row[2]] if row else None)
        for need, service, row in nearest
    ]


def partner_merchant_count(city_id: int | None = None) -> int:
    merchants = Merchant.objects.filter(is_active=True)
    if city_id is not None:
        merchants = merchants.filter(district__city=city_id)
    return merchants.count()
