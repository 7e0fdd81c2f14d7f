"""The workbench queue's reads: the department's reports in the API's order, their countdowns,
and the team's load for a head. Scoped by the officer's department, never wider."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from core.models import District, User
from governance.models import OPEN_STATUSES, Category, Department, Officer, Report
from governance.selectors import reports_worked_by

# The share of the closure time after which a report turns amber (the deadline sweep's warning).
AMBER_AT = 0.75


@dataclass(frozen=True)
class Countdown:
    """A row's clock: state green / amber / red (overdue) / paused (waiting for the rider) /
    none (no deadline); `left` is the time to the deadline (negative when overdue)."""

    state: str
    left: dt.timedelta | None


def queue_reports(
    *,
    department: Department,
    status: str = "",
    category: Category | None = None,
    district: District | None = None,
    overdue: bool = False,
    assignee: User | None = None,
    number: str = "",
) -> QuerySet[Report]:
    """What the department works: its own and assisted reports (governance.selectors.
    reports_worked_by), open ones unless a status is asked for, urgent first then by due time
    (the API's order: priority, due_at, id)."""
    reports = reports_worked_by(department=department).select_related(
        "category", "district", "assignee"
    )
    if number:
        # The number is the whole filter: an officer reading it off the phone wants that report
        # whatever its status.
        return reports.filter(public_id=number.strip().upper()).order_by("priority", "due_at", "id")
    reports = reports.filter(status=status) if status else reports.filter(status__in=OPEN_STATUSES)
    if category is not None:
        reports = reports.filter(category=category)
    if district is not None:
        reports = reports.filter(district=district)
    if overdue:
        reports = reports.filter(is_overdue=True)
    if assignee is not None:
        reports = reports.filter(assignee=assignee)
    return reports.order_by("priority", "due_at", "id")


def countdown(report: Report, *, now: dt.datetime | None = None) -> Countdown:
    """Green under ¾ of the closure time used, amber from ¾, red when overdue; paused while the
    department waits for the rider's answer (the clock stands still, the deadline moves on)."""
    if report.due_at is None:
        return Countdown("none", None)
    now = now or timezone.now()
    if report.paused_at is not None:
        return Countdown("paused", report.due_at - report.paused_at)
    left = report.due_at - now
    if report.is_overdue or left.total_seconds() < 0:
        return Countdown("red", left)
    start = report.routed_at or report.created_at
    total = (report.due_at - start).total_seconds()
    used = 1 - left.total_seconds() / total if total > 0 else 1.0
    return Countdown("amber" if used >= AMBER_AT else "green", left)


def team_officers(*, department: Department) -> QuerySet[Officer]:
    """The department's active officers, for a head's assignment choices."""
    return (
        Officer.objects.filter(department=department, is_active=True)
        .select_related("user")
        .order_by("user__username")
    )


def team_load(*, department: Department) -> list[tuple[Officer, int]]:
    """Each active officer and how many open reports of the queue they hold (two queries)."""
    counts = dict(
        reports_worked_by(department=department)
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return [
        (officer, counts.get(officer.user_id, 0))
        for officer in team_officers(department=department)
    ]
