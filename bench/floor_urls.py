"""The floor that bench/api_floor.py measures the API against: bare Django views answering the
same rows in the same order and page size with one `.values()` query and JsonResponse, under
the same settings and middleware, without authentication, throttle, filters or formatting.
Mounted only by bench/floor_settings.py."""

import datetime as dt

from django.http import Http404, JsonResponse
from django.urls import path
from django.utils import timezone

from api.rows import LIST_VALUES
from governance.models import Report
from riders_portal.urls import urlpatterns as project_urlpatterns

# The columns the API's list rows are built from (api/rows.py), less the internal id: the
# floor reads what the project reads, so the ratio measures the work around the query.
LIST_COLUMNS = tuple(column for column in LIST_VALUES if column != "id")
DETAIL_COLUMNS = (*LIST_COLUMNS, "description", "reply", "paused_at")
OPEN311_COLUMNS = (
    "public_id",
    "status",
    "reply",
    "department__name",
    "category__code",
    "category__name",
    "description",
    "created_at",
    "updated_at",
    "due_at",
    "address",
    "latitude",
    "longitude",
    "media_url",
)


def floor_list(request, department: int):
    rows = Report.objects.filter(department_id=department).order_by("priority", "due_at", "id")
    results = list(rows.values(*LIST_COLUMNS)[:50])
    return JsonResponse({"next": None, "previous": None, "results": results})


def floor_detail(request, department: int, public_id: str):
    row = Report.objects.filter(department_id=department, public_id=public_id)
    row = row.values(*DETAIL_COLUMNS).first()
    if row is None:
        raise Http404
    return JsonResponse(row)


def floor_requests(request):
    since = timezone.now() - dt.timedelta(days=90)
    rows = Report.objects.filter(created_at__gte=since).order_by("-created_at", "-id")
    return JsonResponse(list(rows.values(*OPEN311_COLUMNS)[:50]), safe=False)


urlpatterns = [
    path("api/floor/<int:department>/reports/", floor_list),
    path("api/floor/<int:department>/reports/<str:public_id>/", floor_detail),
    path("api/floor/requests.json", floor_requests),
    *project_urlpatterns,
]
handler404 = "api.handlers.page_not_found"
