"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Who: anyone may read (public data only: no rider's name, phone or number); posting a request
needs an integration `api_key` issued in the admin. Every resource answers in `.json` and `.xml`;
errors are the spec's list of {code, description} with 400 / 403 / 404. No input gives a 500:
every parameter is checked (api/validators.py) before it reaches the database.
"""

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import BadRequest, SuspiciousOperation, ValidationError
from django.core.validators import URLValidator
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from api.auth import token_for_key
from api.models import ApiToken
from api.serializers import signed_photo_url
from api.validators import aware_datetime, bounded_int, finite_decimal, refuse_control_characters
from core.errors import DomainError
from core.prepared import Prepared
from governance import routing, selectors, services
from governance.models import (
    CLOSED_STATUSES,
    FIXED_STATUSES,
    Category,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
)
from governance.scorecard import ScorecardRow, department_scorecard
from riders.models import Rider

from .render import render

DEFAULT_DAYS = 90
MAX_ROWS = 1000
MAX_PAGE = 100_000  # × MAX_ROWS rows: far beyond any real listing, well inside a bigint offset
FMS_STATUS = {
    # our status → FixMyStreet's extended status for servicerequestupdates
    ReportStatus.SUBMITTED: "OPEN",
    ReportStatus.WITH_DISPATCHER: "OPEN",
    ReportStatus.ROUTED: "OPEN",
    ReportStatus.ACKNOWLEDGED: "IN_PROGRESS",
    # The department asked the reporter a question: still being worked on.
    ReportStatus.WAITING: "IN_PROGRESS",
    ReportStatus.RESOLVED: "FIXED",
    # FixMyStreet's extension: the reporter said it is not fixed.
    ReportStatus.REOPENED: "REOPEN",
    ReportStatus.SUPERVISION: "INVESTIGATING",
    ReportStatus.CONFIRMED: "FIXED",
    ReportStatus.CLOSED: "CLOSED",
    ReportStatus.REJECTED: "NOT_COUNCILS_RESPONSIBILITY",
    ReportStatus.INVALID: "CLOSED",
    ReportStatus.DUPLICATE: "DUPLICATE",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description


def _jurisdiction(request) -> int | None:
    """The city a call is about (issue 19), by GeoReport v2's `jurisdiction_id`: that city's
    rows only. Unknown: 404. Left out: every row while the deployment serves one city; once it
    serves several the standard makes it required (400). None: no city to narrow to."""
    table = routing.table()
    code = request.GET.get("jurisdiction_id") or (
        request.POST.get("jurisdiction_id") if request.method == "POST" else None
    )
    if code:
        city_id = table.jurisdictions.get(code)
        if city_id is None:
            raise Open311Error(404, _("No such jurisdiction_id: %(id)s") % {"id": code})
        return city_id
    if table.city_count > 1:
        raise Open311Error(
            400,
            _("jurisdiction_id is required: this endpoint serves several cities (%(ids)s).")
            % {"ids": ", ".join(sorted(table.jurisdictions))},
        )
    return None


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", "error", [{"code": status, "description": description}], status)


def _check_parameters(request, kwargs: dict) -> None:
    """The general guard: every query, form and path value, before any view sees it. Django
    raises on a malformed or oversized body only when request.POST is first read, so read it
    here too."""
    try:
        values = [*request.GET.lists(), *(request.POST.lists() if request.method == "POST" else [])]
    except (MultiPartParserError, BadRequest, SuspiciousOperation):
        raise Open311Error(400, _("The request body could not be read.")) from None
    values += [(name, [value]) for name, value in kwargs.items()]
    try:
        for name, items in values:
            refuse_control_characters(name, name=_("A parameter name"))
            for item in items:
                refuse_control_characters(item, name=name)
    except ValidationError as error:
        raise Open311Error(400, error.messages[0]) from None


def open311_view(methods=("GET",)):
    """Format handling, errors in the spec's shape, and no CSRF for POSTs from other systems."""

    def decorate(view):
        @csrf_exempt
        @require_http_methods(list(methods))
        def wrapped(request, *args, fmt: str, **kwargs):
            try:
                _check_parameters(request, kwargs)
                root, item, rows = view(request, *args, **kwargs)
            except Open311Error as error:
                return _error(fmt, error.status, error.description)
            except ValidationError as error:  # from api/validators.py
                return _error(fmt, 400, error.messages[0])
            return render(fmt, root, item, rows, 201 if request.method == "POST" else 200)

        return wrapped

    return decorate


@functools.cache
def _openapi_text() -> bytes:
    return (Path(__file__).parent / "openapi.yaml").read_bytes()


@require_http_methods(["GET"])
def openapi(request):
    """The OpenAPI 3 description of this interface, public like the interface itself."""
    return HttpResponse(_openapi_text(), content_type="application/yaml; charset=utf-8")


@csrf_exempt
def not_found(request, path: str):
    """Any other path under /open311/v2/: a 404 in the spec's shape, not an HTML page."""
    fmt = "xml" if path.endswith(".xml") else "json"
    return _error(fmt, 404, _("No such resource. See discovery.json."))


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# The departments' figures in `service_notice`, recomputed at most this often (the scorecard's
# query is ~1 s over a million reports; the figures move slowly).
NOTICE_SECONDS = 600
NOTICE_DAYS = 30


def _notice(row: ScorecardRow) -> str | None:
    if row.response_rate is None or row.closed_by_deadline_rate is None:
        return None
    text = _(
        "%(department)s, last %(days)d days: %(received)d reports, %(response)s%% answered "
        "in time, %(on_time)s%% closed by the deadline."
    ) % {
        "department": row.department.display_name,
        "days": NOTICE_DAYS,
        "received": row.received,
        "response": f"{row.response_rate:g}",
        "on_time": f"{row.closed_by_deadline_rate:g}",
    }
    if row.satisfaction_rate is not None:
        text += " " + _("Reporters satisfied with the fix: %(satisfied)s%%.") % {
            "satisfied": f"{row.satisfaction_rate:g}"
        }
    return text


def department_notices() -> dict[int, str]:
    """Each department's scorecard for the last NOTICE_DAYS days as a sentence, by department
    id, in the active language. GeoReport v2 has no field for a department's performance;
    `service_notice` is its free text about the action to expect, so the public reads there
    how the responsible department answers (docs/open311.md). Cached for NOTICE_SECONDS."""
    key = f"open311:notices:{translation.get_language()}"
    notices = cache.get(key)
    if notices is None:
        today = timezone.localdate()
        rows = department_scorecard(start=today - dt.timedelta(days=NOTICE_DAYS - 1), end=today)
        notices = {
            row.department.pk: text for row in rows if row.received and (text := _notice(row))
        }
        cache.set(key, notices, NOTICE_SECONDS)
    return notices


# A request row is built from these columns, the category's and department's names joined.
REQUEST_VALUES = (
    "id",
    "public_id",
    "status",
    "reply",
    "department_id",
    "department__name",
    "department__name_en",
    "category__code",
    "category__name",
    "category__name_en",
    "description",
    "created_at",
    "updated_at",
    "due_at",
    "address",
    "latitude",
    "longitude",
    "media_url",
)


@functools.cache
def _status_labels(language: str | None) -> dict[str, str]:
    """Each status's name in `language` (the active one when called), once per process: it was
    a gettext lookup per row."""
    return {status.value: str(status.label) for status in ReportStatus}


def _first_photos(ids: list[int]) -> dict[int, int]:
    """Each report's first photo (by position), by report id: one query for the page."""
    first: dict[int, int] = {}
    photos = ReportPhoto.objects.filter(report_id__in=ids).order_by("report_id", "position")
    for report_id, pk in photos.values_list("report_id", "pk"):
        first.setdefault(report_id, pk)
    return first


def _request_rows(request, rows: list[dict], notices: dict[int, str] | None = None) -> list[dict]:
    """The GeoReport v2 rows of REQUEST_VALUES rows, with their first photo's id under
    `first_photo` (else read here, one query); labels and names looked up once per request."""
    if not rows:
        return []
    if notices is None:
        notices = department_notices()
    if "first_photo" in rows[0]:
        photos = {row["id"]: row["first_photo"] for row in rows}
    else:
        photos = _first_photos([row["id"] for row in rows])
    language = translation.get_language()
    labels = _status_labels(language)
    english = (language or "").startswith("en")
    zone = timezone.get_current_timezone()

    def iso(value: dt.datetime | None) -> str | None:
        return value.astimezone(zone).isoformat(timespec="seconds") if value else None

    def name(row: dict, field: str) -> str:
        return (english and row[f"{field}__name_en"]) or row[f"{field}__name"]

    out = []
    for row in rows:
        photo = photos.get(row["id"])
        media_url = (
            signed_photo_url(request, "report", photo, "full") if photo else row["media_url"]
        ) or None
        status, department_id = row["status"], row["department_id"]
        out.append(
            {
                "service_request_id": row["public_id"],
                # GeoReport v2 knows only open and closed: resolved (the rider is checking),
                # confirmed and closed by the centre are closed; reopened and under
                # supervision are open again.
                "status": "closed" if status in CLOSED_STATUSES else "open",
                # The department's reply describes a fix: once the rider says it is not fixed
                # (reopened, supervision) it no longer does, so the status says where it is.
                "status_notes": (
                    row["reply"]
                    if row["reply"] and status in FIXED_STATUSES
                    else labels.get(status, status)
                ),
                "agency_responsible": name(row, "department") if department_id else None,
                "service_notice": notices.get(department_id) if department_id else None,
                "service_name": name(row, "category"),
                "service_code": row["category__code"],
                "description": row["description"],
                "requested_datetime": iso(row["created_at"]),
                "updated_datetime": iso(row["updated_at"]),
                "expected_datetime": iso(row["due_at"]),
                "address": row["address"] or None,
                "lat": str(row["latitude"]),
                "long": str(row["longitude"]),
                "media_url": media_url,
            }
        )
    return out


@open311_view()
def discovery(request):
    base = request.build_absolute_uri(reverse("open311:services", args=["json"]))[
        : -len("services.json")
    ]
    return (
        "discovery",
        "discovery",
        {
            "changeset": "2026-11-28T00:00:00+08:00",
            "contact": _("The delivery-industry service centre of each city"),
            "key_service": _(
                "Ask your city's service centre for an api_key (admin → API tokens). Pass "
                "jurisdiction_id, one per city: %(ids)s."
            )
            % {"ids": ", ".join(sorted(routing.table().jurisdictions)) or "—"},
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-11-28T00:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_view()
def services_list(request):
    city_id = _jurisdiction(request)
    categories = Category.objects.filter(is_active=True).select_related("role")
    table = routing.table()
    if city_id is not None and (disabled := table.disabled_in(city_id)):
        categories = categories.exclude(pk__in=disabled)  # not offered in this city

    def hours(category: Category) -> int:
        row = table.city_categories.get((city_id, category.pk)) if city_id else None
        return (row.closure_hours if row else None) or category.closure_hours

    return (
        "services",
        "service",
        [
            {
                "service_code": category.code,
                "service_name": category.display_name,
                "description": _("%(role)s: to be closed within %(hours)d hours.")
                % {"role": category.role.display_name, "hours": hours(category)},
                "metadata": "false",
                "type": "realtime",
                "keywords": f"{category.role.code},{category.code}",
                "group": category.role.display_name,
            }
            for category in categories
        ],
    )


@open311_view()
def service_definition(request, service_code: str):
    city_id = _jurisdiction(request)
    category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None or not routing.category_offered(category.pk, city_id):
        raise Open311Error(404, _("No such service_code: %(code)s") % {"code": service_code})
    # Our categories need no extra fields beyond the standard ones.
    return (
        "service_definition",
        "service_definition",
        {
            "service_code": service_code,
            "attributes": [],
        },
    )


def _public_reports(city_id: int | None):
    reports = Report.objects.all()
    if city_id is not None:
        reports = reports.filter(district__city_id=city_id)
    return reports


def _date(value: str, name: str) -> dt.datetime:
    return aware_datetime(value, name=name)


def _page(request) -> tuple[int, int]:
    page = bounded_int(request.GET.get("page", "1"), name="page", minimum=1, maximum=MAX_PAGE)
    size = bounded_int(
        request.GET.get("page_size", str(MAX_ROWS)), name="page_size", minimum=1, maximum=MAX_ROWS
    )
    return page, size


@open311_view(methods=("GET", "POST"))
def requests_view(request):
    city_id = _jurisdiction(request)
    if request.method == "POST":
        return "service_requests", "request", [_create(request, city_id)]
    page, size = _page(request)
    # Every parameter is checked, even those a list of ids overrides: a bad one is a 400.
    end = _date(request.GET["end_date"], "end_date") if request.GET.get("end_date") else None
    start = (
        _date(request.GET["start_date"], "start_date")
        if request.GET.get("start_date")
        else (end or timezone.now()) - dt.timedelta(days=DEFAULT_DAYS)
    )
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status is open, closed, or both."))
    if ids := request.GET.get("service_request_id"):
        # The spec: a list of ids overrides every other filter.
        wanted = [i.strip() for i in ids.split(",") if i.strip()][:MAX_ROWS]
        reports = _public_reports(city_id).filter(public_id__in=wanted)
        rows = list(_newest_first(reports, page, size))
        return "service_requests", "request", _request_rows(request, rows)
    code = request.GET.get("service_code") or None
    which = statuses.pop() if len(statuses) == 1 else "both"
    shape = (end is not None, code is not None, which, page, size, city_id is not None)
    rows = REQUESTS.rows(shape, start=start, end=end, code=code, city_id=city_id)
    return "service_requests", "request", _request_rows(request, rows)


# Each report's first photo (by position), in the listing's own statement.
FIRST_PHOTO = Subquery(
    ReportPhoto.objects.filter(report=OuterRef("pk")).order_by("position").values("pk")[:1]
)


def _newest_first(reports, page: int, size: int):
    reports = reports.order_by("-created_at", "-id").annotate(first_photo=FIRST_PHOTO)
    return reports.values(*REQUEST_VALUES, "first_photo")[(page - 1) * size : page * size]


def _requests_query(shape, *, start, end, code, city_id):
    has_end, has_code, statuses, page, size, _has_city = shape
    reports = _public_reports(city_id).filter(created_at__gte=start)
    if has_end:
        reports = reports.filter(created_at__lte=end)
    if has_code:
        reports = reports.filter(category__code=code)
    if statuses == "open":
        reports = reports.exclude(status__in=CLOSED_STATUSES)
    elif statuses == "closed":
        reports = reports.filter(status__in=CLOSED_STATUSES)
    return _newest_first(reports, page, size)


# requests.json's statement, compiled once per shape of filters and page (core/prepared.py).
REQUESTS = Prepared(_requests_query, start=dt.datetime, end=dt.datetime, code=str, city_id=int)


@open311_view()
def request_detail(request, service_request_id: str):
    found = (
        _public_reports(_jurisdiction(request))
        .filter(public_id=service_request_id)[:1]
        .values(*REQUEST_VALUES)
    )
    rows = _request_rows(request, list(found))
    if not rows:
        raise Open311Error(
            404, _("No such service_request_id: %(id)s") % {"id": service_request_id}
        )
    return "service_requests", "request", rows


@open311_view()
def token_detail(request, token: str):
    # Requests are created at once, so a token is the request's own id.
    if not _public_reports(_jurisdiction(request)).filter(public_id=token).exists():
        raise Open311Error(404, _("No such token: %(token)s") % {"token": token})
    return "service_requests", "request", [{"service_request_id": token, "token": token}]


def _decimal(value: str, name: str) -> Decimal:
    return finite_decimal(value, name=name)


def _create(request, city_id: int | None) -> dict:
    token = token_for_key(request.POST.get("api_key", ""))
    if token is None or token.kind != ApiToken.Kind.INTEGRATION:
        raise Open311Error(403, _("A valid api_key is required to post a request."))
    # An integration key files reports in its own city only (issue 19).
    if city_id is not None and token.city_id != city_id:
        raise Open311Error(403, _("This api_key files requests in another jurisdiction."))
    data = request.POST
    category = Category.objects.filter(code=data.get("service_code", ""), is_active=True).first()
    if category is None:
        raise Open311Error(400, _("service_code is missing or unknown."))
    rider = (
        Rider.objects.select_related("district", "user")
        .filter(
            rider_number=data.get("account_id", ""),
            is_active=True,
            district__city_id=token.city_id,
        )
        .first()
    )
    if rider is None:
        raise Open311Error(
            400, _("account_id must be the rider number of an active rider of this city.")
        )
    description = data.get("description", "").strip()
    if not description or len(description) > 4000:
        raise Open311Error(400, _("description is required, at most 4,000 characters."))
    media_url = data.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url is not a web address.")) from None
    latitude = _decimal(data["lat"], "lat") if data.get("lat") else None
    longitude = _decimal(data["long"], "long") if data.get("long") else None
    address = data.get("address_string", "").strip()
    if (latitude is None) != (longitude is None) or (latitude is None and not address):
        raise Open311Error(400, _("Send lat and long, or address_string."))
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Open311Error(400, _("lat or long is out of range."))
    district = rider.district
    if latitude is not None:
        district = (
            selectors.nearest_district(
                latitude=latitude, longitude=longitude, city_id=rider.district.city_id
            )
            or district
        )
    try:
        report = services.report_submit(
            rider=rider,
            category=category,
            description=description,
            district=district,
            latitude=latitude.quantize(Decimal("0.000001")) if latitude is not None else None,
            longitude=longitude.quantize(Decimal("0.000001")) if longitude is not None else None,
            address=address[:200],
            photos=[],
            media_url=media_url,
            require_photo=False,
        )
    except DomainError as error:
        raise Open311Error(400, error.message) from None
    return {
        "service_request_id": report.public_id,
        "service_notice": _("Routed to the responsible department within seconds."),
    }


@open311_view()
def request_updates(request):
    """FixMyStreet's servicerequestupdates extension: the public status history. Each update
    carries the status the report took then (FMS_STATUS): a reopen is `REOPEN`, the rider's
    confirmation (or its 72 h default) `FIXED`, as FixMyStreet's own updates say."""
    end = _date(request.GET["end_date"], "end_date") if request.GET.get("end_date") else None
    start = (
        _date(request.GET["start_date"], "start_date")
        if request.GET.get("start_date")
        else timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    )
    events = ReportEvent.objects.filter(public=True, created_at__gte=start).select_related("report")
    if (city_id := _jurisdiction(request)) is not None:
        events = events.filter(report__district__city_id=city_id)
    if end:
        events = events.filter(created_at__lte=end)
    page, size = _page(request)
    events = events.order_by("created_at", "id")[(page - 1) * size : page * size]
    return (
        "service_request_updates",
        "request_update",
        [
            {
                "update_id": str(event.pk),
                "service_request_id": event.report.public_id,
                "status": FMS_STATUS.get(event.to_status or event.report.status, "OPEN"),
                "updated_datetime": _iso(event.created_at),
                # The system note in the request's language, then what a person typed.
                "description": event.public_text if event.kind != ReportEvent.Kind.JOINED else "",
                "media_url": None,
            }
            for event in events
        ],
    )
