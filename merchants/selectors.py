"""Reads for partner merchants: "nearest with X" within the 5-minute circle."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from governance.geo import bounding_box, distance_m

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

    One indexed bounding-box query (with the opening hours prefetched: two queries), then
    the exact distance and the opening hours in Qingdao time for the few candidates in the box.
    """
    radius_m = radius_m or settings.SERVICE_CIRCLE_METRES
    at = timezone.localtime(at or timezone.now())
    min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius_m)
    candidates = (
        Merchant.objects.filter(
            is_active=True,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lng,
            longitude__lte=max_lng,
        )
        .filter(service_filter(service))
        .prefetch_related(
            Prefetch(
                "hours",
                queryset=OpeningHours.objects.only("merchant_id", "weekday", "opens", "closes"),
            )
        )
    )
    places = []
    for merchant in candidates:
        distance = distance_m(latitude, longitude, merchant.latitude, merchant.longitude)
        if distance > radius_m:
            continue
        periods = [(h.weekday, h.opens, h.closes) for h in merchant.hours.all()]
        places.append(
            NearbyPlace(
                merchant=merchant,
                distance_m=distance,
                is_open=geo.is_open(open_24h=merchant.open_24h, periods=periods, at=at),
                direction=geo.compass(
                    geo.bearing_deg(latitude, longitude, merchant.latitude, merchant.longitude)
                ),
                riding_minutes=geo.minutes(distance, geo.RIDING_KMH),
                walking_minutes=geo.minutes(distance, geo.WALKING_KMH),
                map_link=geo.amap_link(merchant.latitude, merchant.longitude, merchant.name),
            )
        )
    places.sort(key=lambda place: (not place.is_open, place.distance_m))
    return places[:limit]


def partner_merchant_count() -> int:
    return Merchant.objects.filter(is_active=True).count()
