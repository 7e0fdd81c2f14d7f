"""The department API's hot reads as plain rows: the report list and a report's detail.

The serializers in api/serializers.py stay the description of the output (drf-spectacular
builds the schema from them, and writes answer through them); these build the same JSON from
`.values()` rows without DRF's per-field machinery (17 fields × 50 rows, four datetimes each,
were a third of a list request). tests/api/test_rows.py holds them equal to the serializers
on reports with every kind of child row, so the two cannot drift apart.
"""

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.db.models import (
    DateTimeField,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    QuerySet,
    TextField,
    Value,
)
from django.utils import timezone

from core.prepared import Prepared
from governance.models import (
    Department,
    EvidencePhoto,
    FixAnswer,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportQuestion,
)
from governance.selectors import reports_worked_by
from governance.services import reporter_pseudonym

from .serializers import (
    PRIORITY_NAMES,
    FixCheckSerializer,
    QuestionSerializer,
    signed_photo_url,
)

# The columns a list row is built from: the report's own and the codes it points at, joined.
LIST_VALUES = (
    "id",
    "public_id",
    "status",
    "priority",
    "category__code",
    "district__code",
    "address",
    "latitude",
    "longitude",
    "location_approximate",
    "created_at",
    "updated_at",
    "routed_at",
    "due_at",
    "acknowledged_at",
    "closed_at",
    "is_overdue",
    "escalation_level",
    "verify_by",
    "reopen_count",
    "rider_id",
    "department_id",
)
SIX_PLACES = Decimal("0.000001")  # the coordinates' decimal_places, as DRF quantizes them


@functools.lru_cache(maxsize=100_000)
def _pseudonym(rider_id: int, department_id: int) -> str:
    # An HMAC per row (its key derived from SECRET_KEY each time); the pair's answer is fixed.
    return reporter_pseudonym(rider_id=rider_id, department_id=department_id)


def iso(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """DRF's DateTimeField output: ISO 8601 in the current time zone (+08:00 here)."""
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _coordinate(value: Decimal) -> str:
    return f"{value.quantize(SIX_PLACES):f}"


def report_row(row: dict[str, Any], *, department_id: int | None, zone: dt.tzinfo) -> dict:
    """ReportSerializer's output for a LIST_VALUES row, seen by `department_id`'s token."""
    own = department_id is None or row["department_id"] == department_id
    return {
        "id": row["public_id"],
        "status": row["status"],
        "priority": PRIORITY_NAMES.get(row["priority"], "normal"),
        "category": row["category__code"],
        "district": row["district__code"],
        "address": row["address"],
        "latitude": _coordinate(row["latitude"]),
        "longitude": _coordinate(row["longitude"]),
        "location_approximate": row["location_approximate"],
        "created_at": iso(row["created_at"], zone),
        "updated_at": iso(row["updated_at"], zone),
        "routed_at": iso(row["routed_at"], zone),
        "due_at": iso(row["due_at"], zone),
        "acknowledged_at": iso(row["acknowledged_at"], zone),
        "closed_at": iso(row["closed_at"], zone),
        "overdue": row["is_overdue"],
        "escalation_level": row["escalation_level"],
        "verify_by": iso(row["verify_by"], zone),
        "reopen_count": row["reopen_count"],
        "reporter": _pseudonym(row["rider_id"], department_id or row["department_id"]),
        "role": "lead" if own else "assisting",
    }


def report_rows(rows: list[dict[str, Any]], *, department_id: int | None) -> list[dict]:
    zone = timezone.get_current_timezone()
    return [report_row(row, department_id=department_id, zone=zone) for row in rows]


# --- A report's detail ------------------------------------------------------------------------


def with_children_flags(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Whether a report has photos, evidence, checks, questions and timeline, in its own row:
    the detail then asks only for what is there (none of it for an empty report)."""
    flags = {
        "has_photos": ReportPhoto,
        "has_evidence": EvidencePhoto,
        "has_answers": FixAnswer,
        "has_questions": ReportQuestion,
        "has_events": ReportEvent,
    }
    return reports.annotate(
        **{
            name: Exists(model.objects.filter(report=OuterRef("pk")).order_by())
            for name, model in flags.items()
        }
    )


# One row shape for photos, evidence and timeline events, so that one query reads all three.
_CHILD_COLUMNS = (
    "part",
    "pk",
    "at",
    "rank",
    "kind",
    "from_status",
    "to_status",
    "department_code",
    "note_kind",
    "params",
    "note",
)
_EVENTS, _PHOTOS, _EVIDENCE = 0, 1, 2


def _children_query(shape, *, report_id):
    has_events, has_photos, has_evidence = shape
    parts = []
    if has_events:
        parts.append(
            ReportEvent.objects.filter(report_id=report_id)
            .annotate(
                part=Value(_EVENTS, IntegerField()),
                at=F("created_at"),
                rank=Value(0, IntegerField()),
                department_code=F("department__code"),
            )
            .values(*_CHILD_COLUMNS)
        )
    blank = {
        "kind": Value("", TextField()),
        "from_status": Value("", TextField()),
        "to_status": Value("", TextField()),
        "department_code": Value(None, TextField()),
        "note_kind": Value("", TextField()),
        "params": Value(None, JSONField()),
        "note": Value("", TextField()),
    }
    if has_photos:
        parts.append(
            ReportPhoto.objects.filter(report_id=report_id)
            .annotate(
                part=Value(_PHOTOS, IntegerField()),
                at=Value(None, DateTimeField()),
                rank=F("position"),
                **blank,
            )
            .values(*_CHILD_COLUMNS)
        )
    if has_evidence:
        parts.append(
            EvidencePhoto.objects.filter(report_id=report_id)
            .annotate(
                part=Value(_EVIDENCE, IntegerField()),
                at=F("created_at"),
                rank=Value(0, IntegerField()),
                **blank,
            )
            .values(*_CHILD_COLUMNS)
        )
    query = parts[0].order_by()
    if len(parts) > 1:
        query = query.union(*(part.order_by() for part in parts[1:]), all=True)
    return query.order_by("part", "at", "rank", "pk")


CHILDREN = Prepared(_children_query, report_id=int)


def _children(row: dict) -> list[dict]:
    shape = (row["has_events"], row["has_photos"], row["has_evidence"])
    if not any(shape):
        return []
    return CHILDREN.rows(shape, report_id=row["id"])


DETAIL_VALUES = (
    *LIST_VALUES,
    "description",
    "reply",
    "paused_at",
    "has_photos",
    "has_evidence",
    "has_answers",
    "has_questions",
    "has_events",
)


def _detail_query(shape, *, department_id, key):
    reports = reports_worked_by(department=Department(pk=department_id))
    reports = with_children_flags(reports).filter(**{shape: key})
    return reports.values(*DETAIL_VALUES)


DETAILS_BY_ID = Prepared(_detail_query, department_id=int, key=str)
DETAILS_BY_PK = Prepared(_detail_query, department_id=int, key=int)


def detail_values(*, department_id: int, public_id: str | None = None, pk: int | None = None):
    """The row of a report in the department's scope (governance.selectors.reports_worked_by)
    by its public id or primary key, with its children's flags; None if not in scope."""
    if public_id is not None:
        found = DETAILS_BY_ID.rows("public_id", department_id=department_id, key=public_id)
    else:
        found = DETAILS_BY_PK.rows("pk", department_id=department_id, key=pk)
    return found[0] if found else None


def _photo(request, kind: str, pk: int) -> dict[str, str]:
    return {
        "url": signed_photo_url(request, kind, pk, "full"),
        "thumbnail_url": signed_photo_url(request, kind, pk, "thumb"),
    }


def report_detail(row: dict, request) -> dict:
    """ReportDetailSerializer's output for a detail_values row: one query for its photos,
    evidence and timeline together (none when it has none), one for the riders' checks and
    one for questions, each only when there are any."""
    zone = timezone.get_current_timezone()
    auth = getattr(request, "auth", None)
    department_id = getattr(auth, "department_id", None)
    body = report_row(row, department_id=department_id, zone=zone)
    photos, evidence, timeline = [], [], []
    for child in _children(row):
        part, pk = child["part"], child["pk"]
        if part == _PHOTOS:
            photos.append(_photo(request, "report", pk))
        elif part == _EVIDENCE:
            evidence.append(_photo(request, "evidence", pk))
        else:
            event = ReportEvent(
                kind=child["kind"],
                note_kind=child["note_kind"],
                params=child["params"] or {},
                note=child["note"],
            )
            timeline.append(
                {
                    "kind": child["kind"],
                    "at": iso(child["at"], zone),
                    "from_status": child["from_status"],
                    "to_status": child["to_status"],
                    "department": child["department_code"],
                    "note": event.text,
                }
            )
    checks: list = []
    if row["has_answers"]:
        answers = list(
            FixAnswer.objects.filter(report_id=row["id"]).order_by("round", "created_at")
        )
        reporter = Report(pk=row["id"], rider_id=row["rider_id"])
        for answer in answers:
            answer.report = reporter  # whether it is the reporter's check
        checks = FixCheckSerializer(answers, many=True, context={"request": request}).data
    questions: list = []
    if row["has_questions"]:
        asked = ReportQuestion.objects.filter(report_id=row["id"]).select_related("department")
        questions = QuestionSerializer(
            asked.order_by("position"), many=True, context={"request": request}
        ).data
    body.update(
        {
            "description": row["description"],
            "reply": row["reply"],
            "photos": photos,
            "evidence": evidence,
            "checks": checks,
            "paused_at": iso(row["paused_at"], zone),
            "questions": questions,
            "timeline": timeline,
        }
    )
    return body
