"""Reads for partner merchants: "nearest with X" within the 5-minute circle."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.geo import bounding_box, distance_m

from . import geo
from .models import SERVICES, Merchant, OpeningHours


@dataclass(frozen=True)
class NearbyPlace:
    merchant: Merchant
    distance_m: float
    is_open: bool
    direction: str
    riding_minutes: int
    walking_minutes: int
    map_link: str


def service_filter(service: str) -> Q:
    flag, _label = SERVICES[service]
    if flag is None:  # a pharmacy is a kind of place, not a flag
        return Q(kind=Merchant.Kind.PHARMACY)
    if service == "repair":
        return Q(has_ebike_repair=True) | Q(kind=Merchant.Kind.REPAIR_POINT)
    return Q(**{flag: True})


def nearest_places(
    *,
    latitude: Decimal,
    longitude: Decimal,
    service: str,
    at: dt.datetime | None = None,
    radius_m: int | None = None,
    limit: int = 20,
) -> list[NearbyPlace]:
    """Places offering `service` within the circle, open ones first, nearest first.

    Three small queries whatever the number of places: the ids and coordinates in the indexed
    bounding box; today's and yesterday's opening periods of those inside the circle; the full
    rows of the `limit` places shown. Distances and opening hours (Qingdao time) are computed
    here for the few hundred candidates in the box (bench/nearest.py).
    """
    radius_m = radius_m or settings.SERVICE_CIRCLE_METRES
    at = timezone.localtime(at or timezone.now())
    min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius_m)
    in_box = (
        Merchant.objects.filter(
            is_active=True,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lng,
            longitude__lte=max_lng,
        )
        .filter(service_filter(service))
        .values_list("pk", "latitude", "longitude", "open_24h")
    )
    here_lat, here_lng = float(latitude), float(longitude)
    inside = {}
    for pk, lat, lng, open_24h in in_box:
        distance = distance_m(here_lat, here_lng, lat, lng)
        if distance <= radius_m:
            inside[pk] = (distance, open_24h)
    days = (at.weekday(), (at.weekday() - 1) % 7)
    periods: dict[int, list[tuple[int, dt.time, dt.time]]] = {}
    needs_hours = [pk for pk, (_distance, open_24h) in inside.items() if not open_24h]
    for merchant_id, weekday, opens, closes in OpeningHours.objects.filter(
        merchant_id__in=needs_hours, weekday__in=days
    ).values_list("merchant_id", "weekday", "opens", "closes"):
        periods.setdefault(merchant_id, []).append((weekday, opens, closes))
    ranked = sorted(
        (
            (
                not geo.is_open(open_24h=open_24h, periods=periods.get(pk, []), at=at),
                distance,
                pk,
            )
            for pk, (distance, open_24h) in inside.items()
        )
    )[:limit]
    shown = Merchant.objects.in_bulk([pk for _closed, _distance, pk in ranked])
    places = []
    for closed, distance, pk in ranked:
        merchant = shown[pk]
        places.append(
            NearbyPlace(
                merchant=merchant,
                distance_m=distance,
                is_open=not closed,
                direction=geo.compass(
                    geo.bearing_deg(latitude, longitude, merchant.latitude, merchant.longitude)
                ),
                riding_minutes=geo.minutes(distance, geo.RIDING_KMH),
                walking_minutes=geo.minutes(distance, geo.WALKING_KMH),
                map_link=geo.amap_link(merchant.latitude, merchant.longitude, merchant.name),
            )
        )
    return places


def partner_merchant_count() -> int:
    return Merchant.objects.filter(is_active=True).count()
