"""Reads for city-problem reports."""

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from core.geo import bounding_box, distance_m
from core.models import District
from core.prepared import PreparedModels
from riders.models import Rider

from .models import (
    FIXED_STATUSES,
    OPEN_STATUSES,
    WITH_DEPARTMENT,
    Category,
    Department,
    FixAnswer,
    Report,
    ReportAssist,
    ReportEvent,
    ReportPhoto,
    ReportQuestion,
    ReportStatus,
    ReportSupporter,
    Role,
    TransferRequest,
)


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


def _followed_by(rider: Rider) -> Q:
    """Reports the rider filed, or joined because they saw the same problem."""
    return Q(rider=rider) | Q(supporters__rider=rider)


def rider_follows(*, rider: Rider, report: Report) -> bool:
    return report.rider_id == rider.pk or report.supporters.filter(rider=rider).exists()


def rider_filed(*, rider: Rider, report: Report) -> bool:
    """Only the rider who filed a report sees what they wrote and photographed; riders who
    joined see its progress (docs/decisions.md, "What a rider who joined a report sees")."""
    return report.rider_id == rider.pk


def _followed_ids(rider: Rider) -> QuerySet[Report, Any]:
    """The ids of the reports the rider filed or joined: each side by its own rider index,
    joined with UNION ALL (the IN below removes a repeat).

    Not `Q(rider=…) | Q(supporters__rider=…)`: an OR across the join cannot use either index,
    so PostgreSQL read every report and every supporter row (and DISTINCT them) for each page
    and for its count — a rider's list cost grew with the city's reports (issue 18)."""
    filed = Report.objects.filter(rider=rider).order_by().values("pk")
    joined = ReportSupporter.objects.filter(rider=rider).order_by().values("report_id")
    return filed.union(joined, all=True)


def reports_for_rider(*, rider: Rider) -> QuerySet[Report]:
    """The reports the rider filed or joined, newest first, with what the list shows
    (constant queries). Cover photos only of the rider's own reports.

    Its page and its count cost what the rider's own rows cost, whatever the table's size
    (bench/my_reports.py)."""
    return (
        Report.objects.filter(pk__in=_followed_ids(rider))
        .select_related("category", "department", "district")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=ReportPhoto.objects.filter(position=1, report__rider=rider),
                to_attr="cover",
            )
        )
        .order_by("-created_at", "-id")
    )


def report_for_rider(*, rider: Rider, public_id: str) -> Report | None:
    """A report the rider filed or joined, with its public timeline; None for anyone else's.

    The reporter's photos are loaded only for the reporter (see rider_filed)."""
    return (
        Report.objects.filter(_followed_by(rider), public_id=public_id)
        .distinct()
        .select_related("category", "department", "district", "duplicate_of")
        .prefetch_related(
            Prefetch("photos", queryset=ReportPhoto.objects.filter(report__rider=rider)),
            "evidence",
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


@dataclass(frozen=True)
class ClosureRow:
    department: Department
    category: Category
    received: int
    closed: int
    closed_on_time: int
    median_hours_to_close: float | None
    overdue_now: int

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.closed_on_time / self.received, 1) if self.received else None


def _day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def closure_dashboard(
    *, start: dt.date, end: dt.date, city_id: int | None = None
) -> list[ClosureRow]:
    """Per department and category: reports received in [start, end], how many were closed,
    how many within their deadline, the median time to close, and how many are overdue now.
    With `city_id`, that city's departments only (issue 19)."""
    since, until = _day_range(start, end)
    reports = Report.objects.all()
    if city_id is not None:
        reports = reports.filter(department__city_id=city_id)
    in_period = reports.filter(
        department__isnull=False, created_at__gte=since, created_at__lt=until
    )
    resolved = Q(status__in=FIXED_STATUSES)
    counts = in_period.values("department", "category").annotate(
        received=Count("id"),
        closed=Count("id", filter=resolved),
        on_time=Count("id", filter=resolved & Q(closed_at__lte=F("due_at"))),
    )
    overdue = {
        (row["department"], row["category"]): row["n"]
        for row in reports.filter(is_overdue=True, status__in=WITH_DEPARTMENT)
        .values("department", "category")
        .annotate(n=Count("id"))
    }
    durations: dict[tuple[int, int], list[float]] = {}
    for department, category, routed_at, closed_at in in_period.filter(resolved).values_list(
        "department", "category", "routed_at", "closed_at"
    ):
        # Only a routed report can be resolved (workflow.TRANSITIONS); a closed one has its
        # time (the report_closed_has_time constraint).
        assert routed_at is not None and closed_at is not None
        durations.setdefault((department, category), []).append(
            (closed_at - routed_at).total_seconds() / 3600
        )
    keys = {(row["department"], row["category"]) for row in counts} | set(overdue)
    departments = Department.objects.in_bulk({k[0] for k in keys})
    categories = Category.objects.in_bulk({k[1] for k in keys})
    by_key = {(row["department"], row["category"]): row for row in counts}
    rows = []
    for key in keys:
        row = by_key.get(key, {"received": 0, "closed": 0, "on_time": 0})
        hours = durations.get(key)
        rows.append(
            ClosureRow(
                department=departments[key[0]],
                category=categories[key[1]],
                received=row["received"],
                closed=row["closed"],
                closed_on_time=row["on_time"],
                median_hours_to_close=round(statistics.median(hours), 1) if hours else None,
                overdue_now=overdue.get(key, 0),
            )
        )
    return sorted(rows, key=lambda r: (r.department.code, r.category.sort_order, r.category.code))


def closed_within_deadline_rate(*, days: int = 30, city_id: int | None = None) -> float | None:
    """Share (%) of reports resolved in the last `days` that were closed by their deadline, of
    one city's reports if given."""
    since = timezone.now() - dt.timedelta(days=days)
    reports = Report.objects.filter(status__in=FIXED_STATUSES, closed_at__gte=since)
    if city_id is not None:
        reports = reports.filter(district__city=city_id)
    totals = reports.aggregate(
        closed=Count("id"), on_time=Count("id", filter=Q(closed_at__lte=F("due_at")))
    )
    closed: int = totals["closed"]
    on_time: int = totals["on_time"]
    if not closed:
        return None
    return round(100 * on_time / closed, 1)


# --- The rider's check of a fix (闭环, issue 14) ---------------------------------------------


def reports_awaiting_check(*, rider: Rider) -> QuerySet[Report]:
    """Resolved reports the rider follows and has not answered "is it fixed?" for since the
    department last resolved them (a round is one resolution), the soonest default first.
    One query with what Home shows."""
    answered = FixAnswer.objects.filter(
        report=OuterRef("pk"), rider=rider, round=OuterRef("reopen_count")
    )
    return (
        # The rider's own ids, not an OR across the supporters' join (see _followed_ids).
        Report.objects.filter(pk__in=_followed_ids(rider), status=ReportStatus.RESOLVED)
        .exclude(Exists(answered))
        .select_related("category", "department")
        .order_by("verify_by", "id")
    )


# Home's two report cards, compiled once per process (core/prepared.py): the shape is the count.
_AWAITING_CHECK = PreparedModels(
    lambda count, rider_id: reports_awaiting_check(rider=Rider(pk=rider_id))[:count],
    rider_id=int,
)
_ASKED_ABOUT = PreparedModels(
    lambda count, rider_id: reports_asked_about(rider=Rider(pk=rider_id))[:count],
    rider_id=int,
)


def reports_awaiting_check_first(*, rider: Rider, count: int) -> list[Report]:
    """The first `count` of reports_awaiting_check (Home)."""
    return _AWAITING_CHECK.objects(count, rider_id=rider.pk)


def reports_asked_about_first(*, rider: Rider, count: int) -> list[Report]:
    """The first `count` of reports_asked_about, each with its open question (Home)."""
    return _ASKED_ABOUT.objects(count, rider_id=rider.pk)


def rider_last_answer(*, rider: Rider, report: Report) -> FixAnswer | None:
    """The rider's latest check of this report's fix (a default acceptance included), if any."""
    return FixAnswer.objects.filter(report=report, rider=rider).order_by("-round").first()


def rider_answered(*, rider: Rider, report: Report, round: int) -> bool:
    """Whether the rider really answered (not the 72 h default) in this round."""
    return FixAnswer.objects.filter(
        report=report, rider=rider, round=round, by_default=False
    ).exists()


def check_awaited(*, report: Report, last_answer: FixAnswer | None) -> bool:
    """Whether the rider (whose last answer is `last_answer`) is asked to check the fix now."""
    return report.status == ReportStatus.RESOLVED and (
        last_answer is None or last_answer.round != report.reopen_count
    )


# --- Questions to the rider (issue 14, "Ask the rider") ---------------------------------------


def report_questions(*, report: Report) -> list[ReportQuestion]:
    """The departments' questions about the report, in order, with who asked (one query). The
    page shows the answers to the reporter only (see rider_filed)."""
    return list(
        ReportQuestion.objects.filter(report=report)
        .select_related("department")
        .order_by("position")
    )


def open_question(*, report: Report, questions: list[ReportQuestion]) -> ReportQuestion | None:
    """The question the report waits for, if it waits for one."""
    if report.status != ReportStatus.WAITING:
        return None
    return next((question for question in questions if question.is_open), None)


def reports_asked_about(*, rider: Rider) -> QuerySet[Report]:
    """The rider's own reports a department asked about and waits for the answer to, the
    soonest timeout first, each with its open question (`open_questions`, one item) and the
    department: two queries whatever their number. Riders who joined are not asked."""
    asked = ReportQuestion.objects.filter(
        answered_at__isnull=True, closed_at__isnull=True
    ).select_related("department")
    return (
        Report.objects.filter(rider=rider, status=ReportStatus.WAITING)
        .select_related("category", "department")
        .prefetch_related(Prefetch("questions", queryset=asked, to_attr="open_questions"))
        .order_by("paused_at", "id")
    )


# --- Transfer (转办) and joint handling (联办), issue 14 ---------------------------------------


class _AnyOf(Func):
    """PostgreSQL's `id = ANY(ARRAY(subquery))`: the subquery runs once (an InitPlan) and the
    primary key's index finds its rows, so `department = d OR id = ANY(…)` is a BitmapOr of
    two index scans. `id IN (subquery)` inside an OR makes the planner scan the whole table."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _assisted_by(department: Department) -> Q:
    assisted = ReportAssist.objects.filter(department=department).order_by().values("report_id")
    if connection.vendor == "postgresql":
        return Q(_AnyOf(F("pk"), ArraySubquery(assisted)))
    return Q(pk__in=assisted)


def reports_worked_by(*, department: Department) -> QuerySet[Report]:
    """The reports a department leads (`Report.department`) or assists with (ReportAssist,
    联办): the department API's scope, one statement whatever the mix. On PostgreSQL a
    BitmapOr of the department's index and the primary key's (docs/decisions.md, "Joint
    handling")."""
    return Report.objects.filter(Q(department=department) | _assisted_by(department))


def departments_for_transfer(*, department: Department) -> QuerySet[Department]:
    """The departments a report can be handed to or helped by: the active ones of the same
    city, the department itself excluded."""
    return Department.objects.filter(city_id=department.city_id, is_active=True).exclude(
        pk=department.pk
    )


def pending_transfer(*, report: Report) -> TransferRequest | None:
    return (
        TransferRequest.objects.filter(report=report, status=TransferRequest.Status.PENDING)
        .select_related("from_department", "to_department")
        .first()
    )
