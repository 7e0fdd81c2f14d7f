"""Distances on the ground, and the bounding box that lets an index pre-filter by location."""

import math
from decimal import Decimal

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlmb = math.radians(float(lng2) - float(lng1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat, lng, radius_m: float) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(min_lat, max_lat, min_lng, max_lng) of a square that contains the circle."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(float(lat))), 1e-6)))

    def q(value: float) -> Decimal:
        return Decimal(f"{value:.6f}")

    return (
        q(float(lat) - dlat),
        q(float(lat) + dlat),
        q(float(lng) - dlng),
        q(float(lng) + dlng),
    )
