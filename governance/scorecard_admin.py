"""The scorecard page in the admin (考核): dispatchers and centre admins, a month or a range,
a chart and the monthly ranking as an Excel file. ReportAdmin.get_urls mounts these views."""

import datetime as dt
import re
from io import BytesIO

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .admin_city import admin_city_id
from .models import Department
from .scorecard import (
    ScorecardRow,
    department_scorecard,
    district_scorecard,
    month_bounds,
    period_problem,
)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ScorecardForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("month"), required=False, help_text=gettext_lazy("YYYY-MM")
    )
    start = forms.DateField(label=gettext_lazy("from"), required=False)
    end = forms.DateField(label=gettext_lazy("until"), required=False)

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-03."))
        first, last = month_bounds(dt.date(max(int(match[1]), 1), int(match[2]), 1))
        if problem := period_problem(first, last):
            raise forms.ValidationError(problem)
        return first

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both the start and the end date, or a month."))
        if start and end and (problem := period_problem(start, end)):
            raise forms.ValidationError(problem)
        return cleaned

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen range; the current month when nothing (valid) was chosen."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start"):
            return data["start"], data["end"]
        return month_bounds(data.get("month") or timezone.localdate())


def ranking(rows: list[ScorecardRow]) -> list[ScorecardRow]:
    """Departments that received reports, best first: closed by deadline, then response,
    then satisfaction (docs/scorecard.md)."""

    def key(row: ScorecardRow):
        figures = (row.closed_by_deadline_rate, row.response_rate, row.satisfaction_rate)
        return (*(-(f if f is not None else -1) for f in figures), row.department.code)

    return sorted((row for row in rows if row.received), key=key)


def export_header() -> list[str]:
    return [
        _("Rank"),
        _("Department"),
        _("Received"),
        _("Response rate (%)"),
        _("Closed by deadline (%)"),
        _("Reopen rate (%)"),
        _("Satisfaction (%)"),
        _("Accepted by default (%)"),
        _("Median hours to close"),
        _("90th percentile hours to close"),
        _("Overdue now"),
    ]


def _allowed(request: HttpRequest) -> None:
    if not request.user.has_perm("governance.view_report"):
        raise PermissionDenied


def scorecard_view(request: HttpRequest, *, admin_site, opts) -> HttpResponse:
    _allowed(request)
    form = ScorecardForm(request.GET or None)
    start, end = form.period()
    city_id = admin_city_id(request.user)  # the staff member's city's departments (issue 19)
    rows = department_scorecard(start=start, end=end, city_id=city_id)
    chart = {
        "labels": [str(row.department) for row in rows],
        "series": [
            {"name": _("Response rate"), "data": [row.response_rate for row in rows]},
            {
                "name": _("Closed by deadline"),
                "data": [row.closed_by_deadline_rate for row in rows],
            },
            {"name": _("Satisfaction"), "data": [row.satisfaction_rate for row in rows]},
        ],
    }
    context = {
        **admin_site.each_context(request),
        "title": _("Department scorecard"),
        "form": form,
        "rows": rows,
        "district_rows": district_scorecard(start=start, end=end, city_id=city_id),
        "chart": chart,
        "start": start,
        "end": end,
        "export_query": request.GET.urlencode(),
        "opts": opts,
    }
    return render(request, "admin/governance/scorecard.html", context)


def scorecard_export_view(request: HttpRequest) -> HttpResponse:
    """The monthly ranking as .xlsx (rates in %, hours as numbers) for the centre's reports."""
    _allowed(request)
    form = ScorecardForm(request.GET or None)
    start, end = form.period()
    return scorecard_export(start=start, end=end, city_id=admin_city_id(request.user))


def scorecard_export(
    *,
    start: dt.date,
    end: dt.date,
    department: Department | None = None,
    city_id: int | None = None,
) -> HttpResponse:
    """The ranking of [start, end] as .xlsx: every department's (of `city_id`), or only the
    given department's row with its rank among its city's (the workbench's export,
    desk/report_views.py)."""
    if department is not None:
        city_id = department.city_id
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{start:%Y-%m-%d}~{end:%Y-%m-%d}"[:31]
    sheet.append(export_header())
    for rank, row in enumerate(
        ranking(department_scorecard(start=start, end=end, city_id=city_id)), start=1
    ):
        if department is not None and row.department.pk != department.pk:
            continue
        sheet.append(
            [
                rank,
                str(row.department),
                row.received,
                row.response_rate,
                row.closed_by_deadline_rate,
                row.reopen_rate,
                row.satisfaction_rate,
                row.default_accepted_share,
                row.median_hours_to_close,
                row.p90_hours_to_close,
                row.overdue_now,
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="scorecard-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response
