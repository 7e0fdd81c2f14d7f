"""Reads for city-problem reports."""

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.models import District
from riders.models import Rider

from .geo import bounding_box, distance_m
from .models import OPEN_STATUSES, Category, Report, ReportEvent, ReportPhoto, Role


def categories_by_role() -> list[tuple[Role, list[Category]]]:
    """Active categories grouped under the five roles, for the report form's picker."""
    categories = Category.objects.filter(is_active=True).select_related("role")
    grouped: dict[int, tuple[Role, list[Category]]] = {}
    for category in categories:
        grouped.setdefault(category.role_id, (category.role, []))[1].append(category)
    return sorted(grouped.values(), key=lambda pair: (pair[0].sort_order, pair[0].code))


def nearest_district(*, latitude: Decimal, longitude: Decimal, city_id: int) -> District | None:
    districts = District.objects.filter(city_id=city_id)
    return min(
        districts,
        key=lambda d: distance_m(latitude, longitude, d.latitude, d.longitude),
        default=None,
    )


def reports_for_rider(*, rider: Rider) -> QuerySet[Report]:
    """The rider's own reports, newest first, with what the list shows (constant queries)."""
    return (
        Report.objects.filter(rider=rider)
        .select_related("category", "department", "district")
        .prefetch_related(
            Prefetch("photos", queryset=ReportPhoto.objects.filter(position=1), to_attr="cover")
        )
        .order_by("-created_at", "-id")
    )


def report_for_rider(*, rider: Rider, public_id: str) -> Report | None:
    """One of the rider's own reports with its public timeline; None for anyone else's."""
    return (
        Report.objects.filter(rider=rider, public_id=public_id)
        .select_related("category__role", "department", "district", "duplicate_of")
        .prefetch_related(
            "photos",
            Prefetch(
                "events",
                queryset=ReportEvent.objects.filter(public=True)
                .select_related("department")
                .order_by("created_at", "id"),
                to_attr="public_events",
            ),
        )
        .first()
    )


def open_reports_nearby(
    *, category: Category, latitude: Decimal, longitude: Decimal, limit: int = 5
) -> list[tuple[Report, float]]:
    """Open reports of the same category within its duplicate radius and window, nearest first.

    Shown to a rider about to file, so they can see the problem is already reported. Carries
    nothing about the other reporters.
    """
    radius = category.duplicate_radius_m
    min_lat, max_lat, min_lng, max_lng = bounding_box(latitude, longitude, radius)
    since = timezone.now() - dt.timedelta(hours=category.duplicate_window_hours)
    candidates = Report.objects.filter(
        category=category,
        status__in=OPEN_STATUSES,
        duplicate_of__isnull=True,
        location_approximate=False,
        created_at__gte=since,
        latitude__range=(min_lat, max_lat),
        longitude__range=(min_lng, max_lng),
    ).only("public_id", "latitude", "longitude", "status", "created_at", "address")[:200]
    nearby = [
        (report, distance_m(latitude, longitude, report.latitude, report.longitude))
        for report in candidates
    ]
    nearby = [(report, d) for report, d in nearby if d <= radius]
    return sorted(nearby, key=lambda pair: pair[1])[:limit]
