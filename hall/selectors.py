"""Reads for the hall screen: one language-neutral dictionary of the city's figures, cached
under one key, computed in a constant number of queries whatever the data's size."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from apartments.models import Application
from apartments.selectors import bed_counts, operating_apartments
from canteen.models import MealOrder
from core.models import District
from governance.models import CLOSED_STATUSES, OPEN_STATUSES, Report
from governance.scorecard import ScorecardRow, department_scorecard, month_bounds
from governance.scorecard_admin import ranking
from privacy.selectors import masked_name
from rewards.models import Honour
from rewards.selectors import published_honours
from riders.models import Rider
from volunteering.models import SignUp

from .models import HallDisplay

DATA_CACHE_KEY = "hall:data"  # the prefix: each city's figures have their key (data_cache_key)
# "Active": signed in, filed a report or ordered a meal in the last ACTIVE_DAYS days.
ACTIVE_DAYS = 30
HONOURS_SHOWN = 12
RANKING_SHOWN = 10


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def display_for_token(token: str) -> HallDisplay | None:
    """The active display with this token, or None (unknown or revoked: a 404). Cached for
    the refresh interval; saving or deleting a display forgets it (hall/apps.py)."""
    key = display_cache_key(token)
    found = cache.get(key)
    if found is None:
        found = HallDisplay.objects.filter(token=token, is_active=True).first()
        if found is None:
            return None  # a miss is not cached: guessed tokens must not fill the cache
        cache.set(key, found, timeout=settings.HALL_REFRESH_SECONDS)
    display: HallDisplay = found
    return display


def display_cache_key(token: str) -> str:
    return f"hall:display:{token}"


def data_cache_key(city_id: int) -> str:
    return f"{DATA_CACHE_KEY}:{city_id}"


def hall_data(*, city_id: int) -> dict[str, Any]:
    """The screen's figures of its city (issue 19), at most HALL_REFRESH_SECONDS old. Every
    screen of a city shares one key, so a wall of screens costs the database one computation
    a minute per city."""
    data: dict[str, Any] | None = cache.get_or_set(
        data_cache_key(city_id),
        lambda: _compute(city_id),
        timeout=settings.HALL_REFRESH_SECONDS,
    )
    assert data is not None  # get_or_set answers what it computed
    return data


def _compute(city_id: int) -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    today_start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    first, last = month_bounds(today)
    month_start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)

    scores = department_scorecard(start=first, end=last, city_id=city_id)
    districts, reports_today = _districts(
        today_start=today_start, month_start=month_start, city_id=city_id
    )
    return {
        "generated_at": now.isoformat(),
        "month": first.isoformat(),
        "figures": {
            "active_riders": _active_riders(
                since=now - dt.timedelta(days=ACTIVE_DAYS), city_id=city_id
            ),
            "reports_today": reports_today,
            **_report_figures(scores),
            **_bed_figures(city_id=city_id),
            **_meal_figures(today_start=today_start, month_start=month_start, city_id=city_id),
            **_volunteer_figures(month_start=first, city_id=city_id),
        },
        "districts": districts,
        "ranking": [_ranking_row(rank, row) for rank, row in enumerate(ranking(scores), 1)][
            :RANKING_SHOWN
        ],
        "honours": _honours(city_id=city_id),
    }


def _active_riders(*, since: dt.datetime, city_id: int) -> int:
    reported = Report.objects.filter(rider=OuterRef("pk"), created_at__gte=since)
    ordered = MealOrder.objects.filter(rider=OuterRef("pk"), created_at__gte=since)
    return (
        Rider.objects.filter(is_active=True, district__city_id=city_id)
        .filter(Q(user__last_login__gte=since) | Exists(reported) | Exists(ordered))
        .count()
    )


def _report_figures(scores: list[ScorecardRow]) -> dict[str, Any]:
    """This month's city-wide rates, summed from the scorecard's rows so that the hall and
    the departments' scorecard never disagree (docs/scorecard.md)."""
    received = sum(r.received for r in scores)
    return {
        "received_month": received,
        "closed_on_time_rate": _rate(sum(r.closed_by_deadline for r in scores), received),
        "satisfaction_rate": _rate(
            sum(r.satisfied_answers for r in scores), sum(r.real_answers for r in scores)
        ),
    }


def _bed_figures(*, city_id: int) -> dict[str, Any]:
    apartment_ids = list(
        operating_apartments().filter(district__city_id=city_id).values_list("pk", flat=True)
    )
    counts = bed_counts(apartment_ids).values()
    return {
        "beds": sum(c.beds for c in counts),
        "beds_occupied": sum(c.occupied for c in counts),
        # Riders, not (rider, apartment) pairs: an application may name several apartments.
        "applications_waiting": Application.objects.filter(
            status=Application.Status.WAITING, rider__district__city_id=city_id
        ).count(),
    }


def _meal_figures(
    *, today_start: dt.datetime, month_start: dt.datetime, city_id: int
) -> dict[str, Any]:
    meals = MealOrder.objects.filter(
        status=MealOrder.Status.COLLECTED,
        collected_at__gte=month_start,
        canteen__district__city_id=city_id,
    ).aggregate(month=Count("id"), today=Count("id", filter=Q(collected_at__gte=today_start)))
    return {"meals_today": meals["today"], "meals_month": meals["month"]}


def _volunteer_figures(*, month_start: dt.date, city_id: int) -> dict[str, Any]:
    hours = SignUp.objects.filter(
        status=SignUp.Status.ATTENDED, rider__district__city_id=city_id
    ).aggregate(
        total=Sum("verified_hours", default=Decimal("0")),
        month=Sum(
            "verified_hours", filter=Q(activity__date__gte=month_start), default=Decimal("0")
        ),
    )
    return {
        "volunteer_hours": float(hours["total"]),
        "volunteer_hours_month": float(hours["month"]),
    }


def _districts(
    *, today_start: dt.datetime, month_start: dt.datetime, city_id: int
) -> tuple[list[dict[str, Any]], int]:
    """Open reports now and reports closed this month, per district; and today's reports."""
    counted = Q(status__in=OPEN_STATUSES)
    closed = Q(status__in=CLOSED_STATUSES, closed_at__gte=month_start)
    today = Q(created_at__gte=today_start)
    rows: dict[int, dict[str, Any]] = {
        row["district"]: dict(row)
        for row in Report.objects.filter(district__city_id=city_id)
        .filter(counted | closed | today)
        .values("district")
        .annotate(
            open=Count("id", filter=counted),
            closed=Count("id", filter=closed),
            today=Count("id", filter=today),
        )
        .order_by()
    }
    districts = [
        {
            "code": d.code,
            "name": d.name,
            "name_en": d.name_en,
            "open": rows.get(d.pk, {}).get("open", 0),
            "closed": rows.get(d.pk, {}).get("closed", 0),
        }
        for d in District.objects.filter(city_id=city_id).order_by("sort_order", "name")
    ]
    return districts, sum(row["today"] for row in rows.values())


def _ranking_row(rank: int, row: ScorecardRow) -> dict[str, Any]:
    return {
        "rank": rank,
        "code": row.department.code,
        "name": row.department.name,
        "name_en": row.department.name_en,
        "received": row.received,
        "closed_on_time_rate": row.closed_by_deadline_rate,
        "response_rate": row.response_rate,
        "satisfaction_rate": row.satisfaction_rate,
    }


def _honours(*, city_id: int) -> list[dict[str, Any]]:
    """Only what the public honour roll (/honours/) shows: the name, district, station, the
    honour's kind, title, story, photo and date. Never a phone or rider number. A rider who has
    not agreed to appear with photo and story (issue 20, `public`): a masked name, the
    district, the honour, nothing else."""
    rows = []
    for h in published_honours(city_id=city_id)[:HONOURS_SHOWN]:
        public = bool(getattr(h, "public", False))  # annotated by published_honours
        rows.append(
            {
                "id": h.pk,
                "kind": h.kind,
                "name": h.rider.name if public else masked_name(h.rider.name),
                "district": h.rider.district.name,
                "district_en": h.rider.district.name_en,
                "station": h.rider.station if public else "",
                "title": h.title,
                "title_en": h.title_en,
                "story": h.story if public else "",
                "story_en": h.story_en if public else "",
                "has_photo": bool(h.photo) and public,
                "honoured_on": h.honoured_on.isoformat(),
            }
        )
    return rows


def honour_kind_label(kind: str) -> str:
    return str(Honour.Kind(kind).label)
