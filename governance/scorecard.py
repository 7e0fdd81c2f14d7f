"""The departments' scorecard (考核): reads only, a constant number of queries per call.

What each figure means is written down in docs/scorecard.md; the tests in
tests/governance/test_scorecard.py compute them by hand.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import District

from .models import FIXED_STATUSES, WITH_DEPARTMENT, Department, FixAnswer, Report, ReportStatus

# Done by the department (fixed, or confirmed) or closed by the centre after supervision.
SCORED_CLOSED = (*FIXED_STATUSES, ReportStatus.CLOSED)
SATISFIED = (FixAnswer.Satisfaction.SATISFIED, FixAnswer.Satisfaction.BASICALLY)
# The dates a scorecard may ask about; a longer range than a year is a yearly report, not a
# scorecard, and it bounds the work of one request.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
MAX_RANGE_DAYS = 366


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    value = sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (
        position - lower
    )
    return round(value, 1)


class _HoursToClose(Aggregate):
    """PostgreSQL's percentile_cont over closed_at - routed_at in hours: the percentiles in
    the one aggregate query instead of every closed report's times sent to Python."""

    function = "percentile_cont"
    template = (
        "%(function)s(%(fraction)s) WITHIN GROUP "
        "(ORDER BY EXTRACT(EPOCH FROM %(expressions)s) / 3600)"
    )
    output_field = FloatField()

    def __init__(self, fraction: float, **extra):
        duration = ExpressionWrapper(F("closed_at") - F("routed_at"), output_field=DurationField())
        super().__init__(duration, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class ScorecardRow:
    department: Department
    district: District | None  # None: all districts
    received: int
    responded_in_time: int
    closed_by_deadline: int
    reopened: int
    real_answers: int
    satisfied_answers: int
    default_accepted: int
    median_hours_to_close: float | None
    p90_hours_to_close: float | None
    overdue_now: int

    @property
    def response_rate(self) -> float | None:
        return _rate(self.responded_in_time, self.received)

    @property
    def closed_by_deadline_rate(self) -> float | None:
        return _rate(self.closed_by_deadline, self.received)

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.reopened, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意 + 基本满意 over the riders' real answers; checks accepted by default left out."""
        return _rate(self.satisfied_answers, self.real_answers)

    @property
    def default_accepted_share(self) -> float | None:
        """Share of all checks (real and by default) that nobody answered: shown apart."""
        return _rate(self.default_accepted, self.real_answers + self.default_accepted)


def scorecard_period(*, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] as local (Asia/Shanghai) days: from start 00:00 to the day after end."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _scores(
    *,
    start: dt.date,
    end: dt.date,
    department: Department | None,
    district: District | None,
    by_district: bool,
    city_id: int | None = None,
) -> list[ScorecardRow]:
    since, until = scorecard_period(start=start, end=end)
    reports: QuerySet[Report] = Report.objects.filter(department__isnull=False)
    if city_id is not None:  # one city's departments (issue 19)
        reports = reports.filter(department__city_id=city_id)
    if department is not None:
        reports = reports.filter(department=department)
    if district is not None:
        reports = reports.filter(district=district)
    received = reports.filter(routed_at__gte=since, routed_at__lt=until)
    keys = ("department", "district") if by_district else ("department",)

    def key(row: dict) -> tuple:
        return tuple(row[k] for k in keys)

    first_response = dt.timedelta(hours=settings.SCORECARD_FIRST_RESPONSE_HOURS)
    closed = Q(status__in=SCORED_CLOSED)
    in_database = connection.vendor == "postgresql"
    percentiles = (
        {
            "median": _HoursToClose(0.5, filter=closed),
            "p90": _HoursToClose(0.9, filter=closed),
        }
        if in_database
        else {}
    )
    counts = {
        key(row): row
        for row in received.values(*keys).annotate(
            **percentiles,
            received=Count("id"),
            # Resolving sets acknowledged_at too (workflow.resolve): a direct resolve is the
            # first response.
            responded=Count("id", filter=Q(acknowledged_at__lte=F("routed_at") + first_response)),
            by_deadline=Count("id", filter=closed & Q(closed_at__lte=F("due_at"))),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
        )
    }
    answer_keys = tuple(f"report__{k}" for k in keys)
    answers = {
        tuple(row[k] for k in answer_keys): row
        for row in FixAnswer.objects.filter(report__in=received)
        .values(*answer_keys)
        .annotate(
            real=Count("id", filter=Q(by_default=False)),
            satisfied=Count("id", filter=Q(by_default=False, satisfaction__in=SATISFIED)),
            default=Count("id", filter=Q(by_default=True)),
        )
    }
    # Overdue is a figure of now, whatever the period: what the department has late today.
    overdue = {
        key(row): row["n"]
        for row in reports.filter(is_overdue=True, status__in=WITH_DEPARTMENT)
        .values(*keys)
        .annotate(n=Count("id"))
    }
    hours: dict[tuple, list[float]] = {}
    if not in_database:  # SQLite has no percentile_cont: the same interpolation in Python
        for *group, routed_at, closed_at in (
            received.filter(closed).values_list(*keys, "routed_at", "closed_at").order_by()
        ):
            hours.setdefault(tuple(group), []).append(
                (closed_at - routed_at).total_seconds() / 3600
            )

    departments = Department.objects.order_by("code")
    if city_id is not None:
        departments = departments.filter(city_id=city_id)
    if department is not None:
        departments = departments.filter(pk=department.pk)
    departments = list(departments)
    if by_district:
        groups = sorted(set(counts) | set(overdue))
        districts = District.objects.in_bulk({g[1] for g in groups})
        by_pk = {d.pk: d for d in departments}
        pairs = [(by_pk[g[0]], districts[g[1]]) for g in groups]
    else:
        # Every department has a row, one that received nothing too.
        pairs = [(d, district) for d in departments]

    rows = []
    for dept, dist in pairs:
        group = (dept.pk, dist.pk) if by_district else (dept.pk,)
        count = counts.get(group, {})
        answer = answers.get(group, {})
        if in_database:
            median, p90 = (
                round(v, 1) if v is not None else None
                for v in (count.get("median"), count.get("p90"))
            )
        else:
            durations = sorted(hours.get(group, []))
            median, p90 = _percentile(durations, 0.5), _percentile(durations, 0.9)
        rows.append(
            ScorecardRow(
                department=dept,
                district=dist,
                received=count.get("received", 0),
                responded_in_time=count.get("responded", 0),
                closed_by_deadline=count.get("by_deadline", 0),
                reopened=count.get("reopened", 0),
                real_answers=answer.get("real", 0),
                satisfied_answers=answer.get("satisfied", 0),
                default_accepted=answer.get("default", 0),
                median_hours_to_close=median,
                p90_hours_to_close=p90,
                overdue_now=overdue.get(group, 0),
            )
        )
    if by_district:
        rows.sort(key=lambda r: (r.department.code, r.district.name if r.district else ""))
    return rows


def department_scorecard(
    *,
    start: dt.date,
    end: dt.date,
    department: Department | None = None,
    district: District | None = None,
    city_id: int | None = None,
) -> list[ScorecardRow]:
    """One row per department (all of them, those of `city_id`, or the one given) for the
    reports routed to it in [start, end] (local days), optionally only those of one district."""
    return _scores(
        start=start,
        end=end,
        department=department,
        district=district,
        by_district=False,
        city_id=city_id,
    )


def district_scorecard(
    *,
    start: dt.date,
    end: dt.date,
    department: Department | None = None,
    district: District | None = None,
    city_id: int | None = None,
) -> list[ScorecardRow]:
    """One row per (department, district) that received or has overdue reports."""
    return _scores(
        start=start,
        end=end,
        department=department,
        district=district,
        by_district=True,
        city_id=city_id,
    )


def period_problem(start: dt.date, end: dt.date) -> str | None:
    """Why [start, end] cannot be a scorecard's period (translated), or None: the one rule the
    admin form and the API both apply."""
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        return _("Choose dates from %(earliest)s to %(latest)s.") % {
            "earliest": EARLIEST.isoformat(),
            "latest": LATEST.isoformat(),
        }
    if start > end:
        return _("The start date is after the end date.")
    if (end - start).days >= MAX_RANGE_DAYS:
        return _("Choose a range of at most one year.")
    return None


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `month` falls in."""
    first = month.replace(day=1)
    if first.month == 12:  # also keeps December 9999 from overflowing
        return first, first.replace(day=31)
    return first, first.replace(month=first.month + 1) - dt.timedelta(days=1)
