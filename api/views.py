"""Department REST API (/api/v1/). Who: a department officer's token; each sees and acts on
its own department's reports only — another department's report is a 404, never a 403."""

import contextlib
import datetime as dt
import hashlib
import json
from functools import wraps
from typing import ClassVar

import django_filters
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiRequest,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.prepared import Prepared
from core.responses import file_response
from governance import selectors, services, workflow
from governance.models import (
    Category,
    Department,
    EvidencePhoto,
    FixAnswer,
    Priority,
    Report,
    ReportPhoto,
    ReportQuestion,
    ReportStatus,
    ResponseTemplate,
)

from . import rows
from .errors import error_body
from .models import IdempotencyRecord
from .pagination import KeysetCursor
from .selectors import worked_by_parts
from .serializers import (
    PHOTO_SALT,
    PHOTO_URL_MAX_AGE,
    PRIORITY_NAMES,
    PRIORITY_RANKS,
    AskInput,
    CategorySerializer,
    CommentInput,
    CommentSerializer,
    DepartmentSerializer,
    EvidenceInput,
    EvidenceSerializer,
    NoteInput,
    RejectInput,
    ReportDetailSerializer,
    ReportSerializer,
    ResolveInput,
    ResolveWithNote,
    ResolveWithNoteAndPhoto,
    ResolveWithTemplate,
    ResponseTemplateSerializer,
    TransferInput,
    TransferSerializer,
    signed_photo_url,
)
from .services import idempotency_cutoff

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    # What the server accepts (1–100 printable ASCII characters), so the schema says so too.
    pattern=r"^[!-~]{1,100}$",
    description="Send the same key again to retry safely: the first response is returned.",
)

PHOTO_CONTENT_TYPES = "image/jpeg, image/png"


def _error_example(name: str, status: int, code: str, message: str, fields=None):
    return OpenApiExample(
        name,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        response_only=True,
        status_codes=[str(status)],
    )


# The body is the common Error (api/schema.py puts its schema in); these say when and show it.
RESOLVE_CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "Not allowed in the report's current status: only a routed, acknowledged or reopened "
        "report of your department can be resolved (a resolved one waits for the rider's check)."
    ),
    examples=[
        _error_example(
            "Already resolved",
            409,
            "illegal_transition",
            "A report that is “Resolved, waiting for the rider's check” cannot be resolved.",
        )
    ],
)
RESOLVE_INCOMPLETE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The resolution does not meet the category's minimum: `fields` names what is missing "
        "(`note`: a reply shorter than the category's minimum; `photo`: the category needs an "
        "evidence photo; `template`: no such response template for your department and this "
        "report's category — another department's is refused the same way; `fields.<name>`: a "
        "placeholder of the template left empty, or a name it does not have) and nothing was "
        "written. Also the answer to an Idempotency-Key reused for another request."
    ),
    examples=[
        _error_example(
            "Resolution incomplete",
            422,
            "resolution_incomplete",
            "The resolution does not meet this category's minimum.",
            {
                "note": ["Say what was done in at least 2 characters: the rider reads it."],
                "photo": ["“Blocked fire lane” needs a photo of the fixed problem."],
            },
        ),
        _error_example(
            "Template blank not filled in",
            422,
            "resolution_incomplete",
            "Fill in every blank of the response template.",
            {"fields.place": ["Fill in “place”."]},
        ),
        _error_example(
            "Not your department's template",
            422,
            "resolution_incomplete",
            "This response template cannot be used for this report.",
            {"template": ["No such template for your department and this category."]},
        ),
        _error_example(
            "Idempotency key reused",
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request (another endpoint "
            "or another body). Use a new key for a new request.",
        ),
    ],
)


ASK_CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "Not allowed now: only a routed, acknowledged or reopened report of your department "
        "can be asked (`illegal_transition`, also while a question is open), and at most two "
        "questions per report (`too_many_questions`)."
    ),
    examples=[
        _error_example(
            "A question is open",
            409,
            "illegal_transition",
            "A report that is “Waiting for the rider's answer” cannot be asked a question.",
        ),
        _error_example(
            "Two questions asked already",
            409,
            "too_many_questions",
            "A department may ask the rider at most 2 questions per report.",
        ),
    ],
)
ASK_INCOMPLETE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The question is empty (`question_required`) and nothing was written. Also the answer "
        "to an Idempotency-Key reused for another request."
    ),
    examples=[
        _error_example(
            "Empty question",
            422,
            "question_required",
            "Write the question: the rider reads it.",
            {"question": ["Write the question: the rider reads it."]},
        ),
    ],
)


TRANSFER_CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "Not allowed now: the report is not being worked by your department (`illegal_transition`"
        "), your department only assists with it (`not_lead`), or a transfer already waits for "
        "the dispatcher (`transfer_pending`)."
    ),
    examples=[
        _error_example(
            "Already requested",
            409,
            "transfer_pending",
            "A transfer of this report is already waiting for the dispatcher.",
        )
    ],
)
TRANSFER_INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "No such active department in your city (`department_unknown`), or your own "
        "(`same_department`); nothing was written. Also the answer to an Idempotency-Key reused "
        "for another request."
    ),
    examples=[
        _error_example(
            "Unknown department",
            422,
            "department_unknown",
            "No such active department in this city.",
            {"department": ["No such active department in this city."]},
        )
    ],
)


def request_fingerprint(request) -> str:
    """SHA-256 of the method, the path and the parsed body: the same request sent again, even
    with other whitespace or field order, has the same fingerprint; any other body has not.
    Uploaded files count by their bytes (read in chunks, never decoded here)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # form or multipart: a QueryDict, files included
        for name, values in sorted(data.lists(), key=lambda item: item[0]):
            for value in values:
                digest.update(f"{name}=".encode())
                if hasattr(value, "chunks"):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\0")
    else:
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def idempotent(method):
    """A retried write with the same Idempotency-Key and the same request (fingerprint) returns
    the first response, changing nothing. Keys are per token, remembered for
    IDEMPOTENCY_KEY_TTL_HOURS; the same key with another body or endpoint is refused (422)."""

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return method(self, request, *args, **kwargs)
        if len(key) > 100 or not key.isascii() or not key.isprintable():
            return Response(
                error_body(
                    "invalid", _("The Idempotency-Key is at most 100 printable ASCII characters.")
                ),
                status=400,
            )
        fingerprint = request_fingerprint(request)
        record = IdempotencyRecord.objects.filter(token=request.auth, key=key).first()
        if record is not None and record.created_at < idempotency_cutoff():
            record.delete()  # forgotten: the hourly purge has not reached it yet
            record = None
        if record is not None:
            same = (
                record.fingerprint == fingerprint
                if record.fingerprint
                else (record.method, record.path) == (request.method, request.path)
            )
            if not same:
                return Response(
                    error_body(
                        "idempotency_key_reused",
                        _(
                            "This Idempotency-Key was already used for a different request "
                            "(another endpoint or another body). Use a new key for a new request."
                        ),
                    ),
                    status=422,
                )
            return Response(
                record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"}
            )
        response = method(self, request, *args, **kwargs)
        # A concurrent retry may have recorded it first; the state machine let only one act.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            IdempotencyRecord.objects.create(
                token=request.auth,
                key=key,
                method=request.method,
                path=request.path,
                fingerprint=fingerprint,
                status_code=response.status_code,
                body=response.data,
            )
        return response

    return wrapper


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    overdue = django_filters.BooleanFilter(field_name="is_overdue")
    category = django_filters.CharFilter(field_name="category__code")
    district = django_filters.CharFilter(field_name="district__code")
    updated_since = django_filters.IsoDateTimeFilter(method="filter_updated_since")
    priority = django_filters.ChoiceFilter(
        choices=[(name, Priority(rank).label) for rank, name in PRIORITY_NAMES.items()],
        method="filter_priority",
        help_text="urgent, normal or low.",
    )

    def filter_priority(self, queryset, name, value: str):
        return queryset.filter(priority=PRIORITY_RANKS[value])

    role = django_filters.ChoiceFilter(
        choices=[("lead", "lead"), ("assisting", "assisting")],
        method="filter_role",
        help_text="lead: your department's reports; assisting: those it assists with (联办).",
    )

    def filter_updated_since(self, queryset, name, value):
        # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 parsing allows: send UTC.
        try:
            since = value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ValidationError({name: [_("This date and time is out of range.")]}) from None
        return queryset.filter(updated_at__gte=since)

    def filter_role(self, queryset, name, value):
        # The queryset is the department's scope already (led or assisted): split it.
        department = self.request.auth.department
        if value == "lead":
            return queryset.filter(department=department)
        return queryset.exclude(department=department)

    def filter_queryset(self, queryset):
        # What the schema says: a misspelt filter is an error, not the whole list.
        unknown = sorted(set(self.data) - set(self.filters) - PAGING_PARAMETERS)
        if unknown:
            raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})
        # An empty value is not a date: refuse it rather than silently ignore the filter.
        for name in ("updated_since", "status", "overdue", "priority"):
            if name in self.data and self.data[name] == "":
                raise ValidationError({name: [_("This value may not be empty.")]})
        for value in self.data.getlist("overdue") if hasattr(self.data, "getlist") else []:
            if value not in ("true", "false"):
                raise ValidationError({"overdue": [_("Use true or false.")]})
        return super().filter_queryset(queryset)

    class Meta:
        model = Report
        fields = ["status", "overdue", "category", "district", "updated_since", "priority"]


PAGING_PARAMETERS = frozenset({"cursor", "page_size"})


class DueTimeCursor(KeysetCursor):
    # Urgent first, then by due time: a keyset on all three (api/pagination.py), served by
    # report_department_queue_idx.
    ordering = ("priority", "due_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF quietly ignores a bad page_size; say so instead, as for any other bad parameter.
        values = request.query_params.getlist(self.page_size_query_param)
        if values and not all(v.isdigit() and 0 < int(v) <= self.max_page_size for v in values):
            raise ValidationError({"page_size": [_("A whole number from 1 to 200.")]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


def _queue_page(shape, *, department_id, priority, due_at, id):
    reverse, limit, nulls = shape
    reports = Report.objects.values(*rows.LIST_VALUES)
    parts = worked_by_parts(department=Department(pk=department_id), reports=reports)
    cursor = DueTimeCursor()
    cursor.model = Report
    return cursor.page_query(
        parts, None if nulls is None else [priority, due_at, id], reverse, limit
    )


# Where the database can order and limit each part of a UNION (PostgreSQL; not SQLite).
PREPARED_QUEUE = connection.features.supports_slicing_ordering_in_compound
QUEUE_PAGE = Prepared(_queue_page, department_id=int, priority=int, due_at=dt.datetime, id=int)


def queue_page(department_id: int, position, reverse: bool, limit: int) -> list[dict]:
    """A page of the department's queue without filters, as DueTimeCursor.page_query."""
    priority, due_at, id_ = position if position is not None else (None, None, None)
    nulls = None if position is None else tuple(value is None for value in position)
    return QUEUE_PAGE.rows(
        (reverse, limit, nulls),
        department_id=department_id,
        priority=priority,
        due_at=due_at,
        id=id_,
    )


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9A-Za-z]{1,12}"  # anything else is a 404 before the database
    filterset_class = ReportFilter
    pagination_class = DueTimeCursor
    serializer_class = ReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no token
            return Report.objects.none()
        # The reports it leads and those it assists with (联办, governance/selectors.py).
        reports = selectors.reports_worked_by(department=self.request.auth.department)
        return reports.select_related("category", "district")

    def get_serializer_class(self):
        return ReportDetailSerializer if self.action == "retrieve" else ReportSerializer

    # The two hot reads answer with plain rows (api/rows.py), the same JSON the serializers
    # describe in the schema, without DRF's per-field work.
    def list(self, request, *args, **kwargs):
        department = request.auth.department
        if set(request.query_params) - PAGING_PARAMETERS or not PREPARED_QUEUE:
            # The filters on every report, then the scope in two parts, each paged by its index.
            reports = self.filter_queryset(Report.objects.all()).values(*rows.LIST_VALUES)
            parts = worked_by_parts(department=department, reports=reports)
            page = self.paginator.paginate_queryset(parts, request, view=self)
        else:
            # No filter: the same statement, prepared (core/prepared.py).
            def fetch(position, reverse, limit):
                return queue_page(department.pk, position, reverse, limit)

            page = self.paginator.paginate_queryset(
                [Report.objects.all()], request, view=self, fetch=fetch
            )
        return self.get_paginated_response(rows.report_rows(page, department_id=department.pk))

    def retrieve(self, request, *args, **kwargs):
        department_id = request.auth.department_id
        if request.query_params:
            # The list's filters narrow the detail too (DRF's get_object): the general path.
            row = rows.detail_values(department_id=department_id, pk=self.get_object().pk)
        else:
            row = rows.detail_values(department_id=department_id, public_id=kwargs["id"])
        if row is None:
            raise Http404
        return Response(rows.report_detail(row, request))

    def _detail(self, report: Report) -> Response:
        """The report's detail after a write: reloaded with photos and timeline."""
        row = rows.detail_values(department_id=self.request.auth.department_id, pk=report.pk)
        if row is None:
            raise Http404
        return Response(rows.report_detail(row, self.request))

    @extend_schema(
        request=NoteInput,
        responses={200: ReportDetailSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        examples=[OpenApiExample("Acknowledge", {"note": "已派人前往现场"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def acknowledge(self, request, id=None):
        """Say that your department has taken the report on."""
        data = self._input(NoteInput)
        report = workflow.acknowledge(
            self.get_object(), department=request.auth.department, note=data["note"]
        )
        return self._detail(report)

    @extend_schema(
        request={
            # The photo must be an image, not any bytes: say so, so that schema and server agree.
            # The note shape only: a oneOf here loses the photo's file part in clients and
            # schema tools. The form takes `template` and `fields.<name>` too (the docstring).
            "multipart/form-data": OpenApiRequest(
                ResolveWithNoteAndPhoto, encoding={"photo": {"contentType": PHOTO_CONTENT_TYPES}}
            ),
            # A note, or a response template and its blanks: one of the two.
            "application/json": PolymorphicProxySerializer(
                "ResolveJsonInput",
                [ResolveWithNote, ResolveWithTemplate],
                resource_type_field_name=None,
            ),
        },
        responses={200: ReportDetailSerializer, 409: RESOLVE_CONFLICT, 422: RESOLVE_INCOMPLETE},
        parameters=[IDEMPOTENCY_HEADER],
        examples=[
            OpenApiExample("Resolve", {"note": "楼道杂物已清理，通道畅通"}, request_only=True),
            OpenApiExample(
                "Resolve with a template",
                {"template": 2, "fields": {"time": "10:30", "place": "金水路12号楼道"}},
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def resolve(self, request, id=None):
        """Say the problem is fixed, with a note for the rider and an evidence photo (required
        where the category says so). The note must be at least the category's shortest reply.
        Instead of `note`, send `template` (an id from /api/v1/templates/) and `fields` (a text
        for each of its placeholders): the note is the template's text filled in. A multipart
        form takes them too, as `template` and `fields.<name>` (e.g. `fields.time`).
        The report becomes `resolved` and the rider is asked to check the fix: confirmed, it
        is done; not fixed, it comes back `reopened` with a new deadline."""
        data = self._input(ResolveInput)
        report = self.get_object()
        reply = data.get("note")
        if reply is None:
            reply = services.template_fill(
                template=ResponseTemplate.objects.filter(pk=data["template"]).first(),
                department=request.auth.department,
                category=report.category,
                fields=data.get("fields", {}),
            )
        report = services.report_resolve(
            report=report,
            department=request.auth.department,
            reply=reply,
            photo=data.get("photo"),
        )
        return self._detail(report)

    @extend_schema(
        request=RejectInput,
        responses={200: ReportDetailSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        examples=[
            OpenApiExample(
                "Not ours",
                {"reason": "not_our_department", "note": "该路段井盖归供水公司管理"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, id=None):
        """Send the report back to the dispatcher: not valid, or not your department's."""
        data = self._input(RejectInput)
        report = workflow.reject(
            self.get_object(),
            department=request.auth.department,
            grounds=data["reason"],
            reason=data["note"],
        )
        return self._detail(report)

    @extend_schema(
        request=CommentInput,
        responses={201: CommentSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        examples=[OpenApiExample("Comment", {"text": "明天上午处理"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def comments(self, request, id=None):
        """Post a message the rider sees on the report's timeline."""
        data = self._input(CommentInput)
        event = services.report_comment(
            report=self.get_object(), department=request.auth.department, text=data["text"]
        )
        # Through the serializer: its DateTimeField gives the site's +08:00, not the UTC the
        # database hands back.
        return Response(
            CommentSerializer({"at": event.created_at, "text": event.note}).data, status=201
        )

    @extend_schema(
        request=AskInput,
        responses={200: ReportDetailSerializer, 409: ASK_CONFLICT, 422: ASK_INCOMPLETE},
        parameters=[IDEMPOTENCY_HEADER],
        examples=[OpenApiExample("Ask", {"question": "请问是几单元的楼道？"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def ask(self, request, id=None):
        """Ask the reporter a question (e.g. which entrance). The report becomes `waiting`:
        its deadline clock is paused until the rider answers in the portal, or for at most
        REPORT_QUESTION_HOURS (48 h); then it is `acknowledged` again, with `due_at` moved on
        by the pause. At most two questions per report, one at a time; asking counts as your
        first response. The rider sees your department's name, you never see who the rider
        is; the answer appears in `questions` and on the timeline, and `report.answered` is
        sent to your webhooks. Resolving, rejecting or a re-route while waiting closes the
        question."""
        data = self._input(AskInput)
        if not data["question"].strip():
            message = _("Write the question: the rider reads it.")
            return Response(
                error_body("question_required", message, {"question": [message]}), status=422
            )
        report = self.get_object()
        services.report_ask(
            report=report, department=request.auth.department, question=data["question"]
        )
        return self._detail(report)

    # --- Transfer (转办) and joint handling (联办), issue 14 ----------------------------------

    # What an assisting department may do with a report it sees; every other action is the
    # lead department's own (409 not_lead), including actions added later.
    ASSISTING_ACTIONS = frozenset({"list", "retrieve", "comments", "evidence"})

    def get_object(self):
        report = super().get_object()
        if (
            self.action not in self.ASSISTING_ACTIONS
            and report.department_id != self.request.auth.department_id
        ):
            raise services.not_lead()
        return report

    @extend_schema(
        request=TransferInput,
        responses={
            202: TransferSerializer,
            409: TRANSFER_CONFLICT,
            422: TRANSFER_INVALID,
        },
        parameters=[IDEMPOTENCY_HEADER],
        examples=[
            OpenApiExample(
                "Transfer",
                {"department": "licang-water", "reason": "该井盖归供水公司管理"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transfer(self, request, id=None):
        """Ask to hand the report to another department of your city (转办), named by its code
        (GET /api/v1/departments/), with the reason. A pair the centre approved beforehand is
        transferred at once (`status` approved, the report leaves your list); otherwise the
        dispatcher decides by `decide_by` (`pending`), and your deadline runs on meanwhile:
        approved, the other department starts with a full deadline; refused, you go on with
        your own (the timeline says `transfer_refused`, with the dispatcher's note)."""
        data = self._input(TransferInput)
        report = self.get_object()
        try:
            transfer = services.transfer_request(
                report=report,
                department=request.auth.department,
                to_department=Department.objects.filter(code=data["department"]).first(),
                reason=data["reason"],
            )
        except services.TransferInvalid as error:
            return Response(error_body(error.code, error.message, error.fields), status=422)
        return Response(TransferSerializer(transfer).data, status=202)

    @extend_schema(
        request={
            "multipart/form-data": OpenApiRequest(
                EvidenceInput, encoding={"photo": {"contentType": PHOTO_CONTENT_TYPES}}
            )
        },
        responses={201: EvidenceSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def evidence(self, request, id=None):
        """Attach a photo of the work (JPEG/PNG) while the report is worked on: the lead
        department or an assisting one. The lead's resolution counts its own photos only."""
        data = self._input(EvidenceInput)
        photo = services.report_evidence_add(
            report=self.get_object(), department=request.auth.department, photo=data["photo"]
        )
        out = EvidenceSerializer(
            {
                "url": signed_photo_url(request, "evidence", photo.pk, "full"),
                "thumbnail_url": signed_photo_url(request, "evidence", photo.pk, "thumb"),
                "department": request.auth.department.code,
                "at": photo.created_at,
            }
        )
        return Response(out.data, status=201)

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The report categories and their closure times."""

    queryset = Category.objects.select_related("role").order_by("role__sort_order", "sort_order")
    serializer_class = CategorySerializer
    pagination_class = None


class TemplateFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(
        method="filter_category", help_text="A category code: templates for it or for any."
    )

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category__code=value) | Q(category__isnull=True))

    def filter_queryset(self, queryset):
        # A new endpoint, so it can say what the schema says: a misspelt filter is an error,
        # not the whole list.
        unknown = sorted(set(self.data) - set(self.filters))
        if unknown:
            raise ValidationError({name: [_("Unknown query parameter.")] for name in unknown})
        return super().filter_queryset(queryset)

    class Meta:
        model = ResponseTemplate
        fields = ["category"]


class TemplateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The response templates your department may use when resolving: its own and the
    centre's for every department, active ones only. `?category=<code>`: those for that
    category or for any category."""

    serializer_class = ResponseTemplateSerializer
    filterset_class = TemplateFilter
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no token
            return ResponseTemplate.objects.none()
        return (
            ResponseTemplate.objects.usable_by(self.request.auth.department)
            .select_related("category")
            .order_by("sort_order", "id")
        )


class DepartmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The other active departments of your city, to name one in a transfer (转办) by code."""

    serializer_class = DepartmentSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no token
            return Department.objects.none()
        return selectors.departments_for_transfer(department=self.request.auth.department)


def photo(request, token: str):
    """Anyone holding a signed photo URL from the API, until it expires (an hour)."""
    try:
        data = signing.loads(token, salt=PHOTO_SALT, max_age=PHOTO_URL_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    kind, thumb = data.get("k"), data.get("s") == "thumb"
    # Departments, Open311 and the workbench get the blurred copy of every photo, never the
    # original (issue 20, PIPL); 404 until the task has made it.
    if kind == "question":  # the rider's photo with an answer to the department's question
        question = ReportQuestion.objects.filter(pk=data.get("p")).first()
        if question is None:
            raise Http404
        field = question.redacted_thumbnail if thumb else question.redacted
    elif kind == "answer":  # a rider's photo of the fix, as the department reads the check
        answer = FixAnswer.objects.filter(pk=data.get("p")).first()
        if answer is None:
            raise Http404
        field = answer.redacted_thumbnail if thumb else answer.redacted
    else:
        model = ReportPhoto if kind == "report" else EvidencePhoto
        item = model.objects.filter(pk=data.get("p")).first()
        if item is None:
            raise Http404
        field = item.redacted_thumbnail if thumb else item.redacted
    return file_response(field, public=False, max_age=3600)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, public by decision (docs/decisions.md): it describes the interface
    and holds no secret or data. Generating it takes ~0.1 s of CPU, so an anonymous caller
    could keep a worker busy with it: it is generated once per language and process (it only
    changes with a deploy) and `?lang=` takes only our languages."""

    _schemas: ClassVar[dict[str, dict]] = {}

    @extend_schema(exclude=True)  # like drf-spectacular's own view (SERVE_INCLUDE_SCHEMA off)
    def get(self, request, *args, **kwargs):
        language = request.GET.get("lang") or translation.get_language()
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            if language not in self._schemas:
                generator = self.generator_class(urlconf=self.urlconf, patterns=self.patterns)
                self._schemas[language] = generator.get_schema(request=request, public=True)
            return Response(
                data=self._schemas[language],
                headers={
                    "Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'
                },
            )
