"""The national dashboard (issue 19): every city's figures side by side, for national admins.

Mounted in the admin at /admin/national/ (riders_portal/urls.py). Each figure is one grouped
query over all cities, so the page costs the same number of queries for 2 cities or 90.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apartments.models import Bed, Tenancy
from canteen.models import MealOrder
from core.models import City
from core.tenancy import sees_all_cities
from governance.models import CLOSED_STATUSES, Report
from riders.models import Rider


@dataclass(frozen=True)
class CityFigures:
    city: City
    riders: int
    reports_this_month: int
    open_reports: int
    overdue_now: int
    closed_this_month: int
    closed_on_time: int
    meals_this_month: int
    beds: int
    beds_occupied: int

    @property
    def on_time_rate(self) -> int | None:
        if not self.closed_this_month:
            return None
        return round(100 * self.closed_on_time / self.closed_this_month)

    @property
    def occupancy_rate(self) -> int | None:
        return round(100 * self.beds_occupied / self.beds) if self.beds else None


def national_figures(*, now: dt.datetime | None = None) -> list[CityFigures]:
    """Per city: riders, this month's reports and how they were closed, open and overdue
    reports, this month's canteen meals, beds and how many are taken. Five queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time()))
    riders = dict(
        Rider.objects.values("district__city")
        .annotate(n=Count("pk"))
        .values_list("district__city", "n")
    )
    is_open = ~Q(status__in=CLOSED_STATUSES)
    closed_in_month = Q(closed_at__gte=month_start, status__in=CLOSED_STATUSES)
    reports = {
        row["district__city"]: row
        for row in Report.objects.values("district__city").annotate(
            filed=Count("pk", filter=Q(created_at__gte=month_start)),
            open=Count("pk", filter=is_open),
            overdue=Count("pk", filter=is_open & Q(due_at__lt=now)),
            closed=Count("pk", filter=closed_in_month),
            on_time=Count("pk", filter=closed_in_month & Q(closed_at__lte=F("due_at"))),
        )
    }
    meals = dict(
        MealOrder.objects.filter(service_date__gte=today.replace(day=1), service_date__lte=today)
        .values("canteen__district__city")
        .annotate(n=Count("pk"))
        .values_list("canteen__district__city", "n")
    )
    taken = Exists(Tenancy.objects.filter(bed=OuterRef("pk"), ended_on__isnull=True))
    beds = {
        row["apartment__district__city"]: row
        for row in Bed.objects.values("apartment__district__city").annotate(
            total=Count("pk"), occupied=Count("pk", filter=taken)
        )
    }
    empty: dict[str, int] = {}
    figures = []
    for city in City.objects.order_by("code"):
        report = reports.get(city.pk, empty)
        bed = beds.get(city.pk, empty)
        figures.append(
            CityFigures(
                city=city,
                riders=riders.get(city.pk, 0),
                reports_this_month=report.get("filed", 0),
                open_reports=report.get("open", 0),
                overdue_now=report.get("overdue", 0),
                closed_this_month=report.get("closed", 0),
                closed_on_time=report.get("on_time", 0),
                meals_this_month=meals.get(city.pk, 0),
                beds=bed.get("total", 0),
                beds_occupied=bed.get("occupied", 0),
            )
        )
    return figures


def national_dashboard(request: HttpRequest) -> HttpResponse:
    """National admins only: a city's own staff see their city in its own pages."""
    if not sees_all_cities(request.user):
        raise PermissionDenied
    return render(
        request,
        "admin/national.html",
        {
            **admin.site.each_context(request),
            "title": _("All cities"),
            "rows": national_figures(),
        },
    )
