from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import (
    Category,
    Department,
    FixAnswer,
    Priority,
    Report,
    ReportEvent,
    ReportQuestion,
    ResponseTemplate,
    TransferRequest,
)
from governance.services import reporter_pseudonym
from governance.workflow import ResolutionIncomplete

PHOTO_SALT = "api.photo"
PHOTO_URL_MAX_AGE = 3600  # seconds a signed photo URL stays valid


def signed_photo_url(request, kind: str, pk: int, size: str) -> str:
    token = signing.dumps({"k": kind, "p": pk, "s": size}, salt=PHOTO_SALT, compress=True)
    return request.build_absolute_uri(reverse("api:photo", args=[token]))


class CategorySerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.code")
    role_name = serializers.CharField(source="role.name")

    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "role", "role_name", "closure_hours", "is_active"]


# Priorities by name in JSON ("urgent", "normal", "low"); stored as a rank (urgent sorts first).
PRIORITY_NAMES = {choice.value: choice.name.lower() for choice in Priority}
PRIORITY_RANKS = {name: value for value, name in PRIORITY_NAMES.items()}


class PriorityField(serializers.ChoiceField):
    """A report's priority by name; the schema's enum lists the names."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[(name, Priority(value).label) for value, name in PRIORITY_NAMES.items()],
            help_text="urgent, normal or low: how soon it must be closed (urgent lists first).",
            **kwargs,
        )

    def to_representation(self, value):
        return PRIORITY_NAMES.get(value, "normal")


class ReportSerializer(serializers.ModelSerializer):
    """A report as a department sees it: no name, phone or rider number of the reporter."""

    id = serializers.CharField(source="public_id")
    category = serializers.CharField(source="category.code")
    district = serializers.CharField(source="district.code")
    overdue = serializers.BooleanField(source="is_overdue")
    reporter = serializers.SerializerMethodField()
    priority = PriorityField(read_only=True)

    role = serializers.SerializerMethodField(
        help_text="lead: your department's report; assisting: another department leads it and "
        "yours assists (联办): comment and add evidence only."
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "status",
            "priority",
            "category",
            "district",
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
            "overdue",
            "escalation_level",
            "verify_by",
            "reopen_count",
            "reporter",
            "role",
        ]

    def get_reporter(self, report: Report) -> str:
        # Keyed per department: the asking department's token, else the report's department.
        auth = getattr(self.context.get("request"), "auth", None)
        department_id = getattr(auth, "department_id", None) or report.department_id
        return reporter_pseudonym(rider_id=report.rider_id, department_id=department_id)

    @extend_schema_field(serializers.ChoiceField(choices=["lead", "assisting"]))
    def get_role(self, report: Report) -> str:
        auth = getattr(self.context.get("request"), "auth", None)
        department_id = getattr(auth, "department_id", None)
        if department_id is None or report.department_id == department_id:
            return "lead"
        return "assisting"


class TimelineEventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at")
    department = serializers.CharField(source="department.code", default=None, allow_null=True)
    # The system note in the request's language, then what a person typed.
    note = serializers.CharField(source="text", read_only=True)

    class Meta:
        model = ReportEvent
        fields = ["kind", "at", "from_status", "to_status", "department", "note"]


class PhotoSerializer(serializers.Serializer):
    url = serializers.URLField()
    thumbnail_url = serializers.URLField()


def _photo_urls(request, kind: str, pk: int) -> dict[str, str]:
    return {
        "url": signed_photo_url(request, kind, pk, "full"),
        "thumbnail_url": signed_photo_url(request, kind, pk, "thumb"),
    }


class FixCheckSerializer(serializers.ModelSerializer):
    """A rider's answer to "is it fixed?", as the department reads it: what was said, never
    who said it (no rider id, name or phone; only whether it is the reporter's, deciding one)."""

    at = serializers.DateTimeField(source="created_at", read_only=True)
    by_reporter = serializers.SerializerMethodField()
    photo = serializers.SerializerMethodField()

    class Meta:
        model = FixAnswer
        fields = [
            "round",
            "outcome",
            "satisfaction",
            "comment",
            "photo",
            "by_default",
            "by_reporter",
            "at",
        ]
        read_only_fields = fields

    def get_by_reporter(self, answer: FixAnswer) -> bool:
        return answer.rider_id == answer.report.rider_id

    @extend_schema_field(PhotoSerializer(allow_null=True))
    def get_photo(self, answer: FixAnswer) -> dict[str, str] | None:
        if not answer.photo:
            return None
        return _photo_urls(self.context["request"], "answer", answer.pk)


# A question's state as the department reads it (QuestionSerializer.get_status).
QUESTION_STATUSES = ["open", "answered", "expired", "closed"]


class QuestionSerializer(serializers.ModelSerializer):
    """A department's question to the reporter and the answer, as the department reads it:
    what was said, never who said it."""

    number = serializers.IntegerField(source="position", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    question = serializers.CharField(source="text", read_only=True)
    photo = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(
        help_text=(
            "open: waiting for the rider (the clock is paused); answered; expired: no answer "
            "by `answer_by`, the clock runs again; closed: the report left `waiting` another "
            "way (resolved, rejected, re-routed) before an answer."
        )
    )

    class Meta:
        model = ReportQuestion
        fields = [
            "number",
            "department",
            "question",
            "asked_at",
            "answer_by",
            "answer",
            "answered_at",
            "photo",
            "status",
        ]
        read_only_fields = fields

    @extend_schema_field(PhotoSerializer(allow_null=True))
    def get_photo(self, question: ReportQuestion) -> dict[str, str] | None:
        if not question.photo:
            return None
        return _photo_urls(self.context["request"], "question", question.pk)

    @extend_schema_field(serializers.ChoiceField(QUESTION_STATUSES))
    def get_status(self, question: ReportQuestion) -> str:
        if question.answered_at is not None:
            return "answered"
        if question.closed_at is None:
            return "open"
        return "expired" if question.closed_at >= question.answer_by else "closed"


class ReportDetailSerializer(ReportSerializer):
    photos = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    checks = FixCheckSerializer(source="answers", many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    timeline = TimelineEventSerializer(source="events", many=True)

    class Meta(ReportSerializer.Meta):
        fields = [
            *ReportSerializer.Meta.fields,
            "description",
            "reply",
            "photos",
            "evidence",
            "checks",
            "paused_at",
            "questions",
            "timeline",
        ]

    def _urls(self, kind: str, photos) -> list[dict]:
        return [_photo_urls(self.context["request"], kind, photo.pk) for photo in photos]

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, report: Report) -> list[dict]:
        return self._urls("report", report.photos.all())

    @extend_schema_field(PhotoSerializer(many=True))
    def get_evidence(self, report: Report) -> list[dict]:
        return self._urls("evidence", report.evidence.all())


class TextField(serializers.CharField):
    """A CharField that takes text only: DRF's turns a JSON number into a string, which the
    schema (type: string) says we refuse. NUL and surrogates are refused by DRF already."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NoteInput(serializers.Serializer):
    note = TextField(max_length=2000, required=False, allow_blank=True, default="")


class ResolveWithNote(serializers.Serializer):
    note = TextField(max_length=2000, help_text="What was done; the rider reads it.")


class ResolveWithTemplate(serializers.Serializer):
    template = serializers.IntegerField(
        min_value=1,
        help_text="A response template's id from GET /api/v1/templates/, instead of `note`.",
    )
    fields = serializers.DictField(
        child=TextField(max_length=500, allow_blank=True),
        required=False,
        help_text='A text for each of its placeholders, e.g. {"time": "10:30"}.',
    )


class ResolveJsonInput(ResolveWithNote, ResolveWithTemplate):
    """Either shape (the schema says oneOf): the note itself, or a response template and the
    values of its placeholders; `fields` are read with a template only."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False
        self.fields["template"].required = False

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            # Both, whatever their values: a body that says two things, 422 — the schema's
            # note shape allows other keys, so a `template` beside a note is admitted.
            if "note" in data and "template" in data:
                message = _("Send either a note or a template, not both.")
                raise ResolutionIncomplete(message, fields={"note": [message]})
            if "template" not in data:
                data = {key: data[key] for key in data if not key.startswith("fields")}
        return super().to_internal_value(data)

    def validate(self, data: dict) -> dict:
        if "note" not in data and "template" not in data:
            raise serializers.ValidationError(
                {"note": [_("Send a note, or a response template and its fields.")]}
            )
        return data


PHOTO_HELP = "Evidence photo (JPEG/PNG ≤ 10 MB)."


class ResolveInput(ResolveJsonInput):
    photo = serializers.FileField(required=False, help_text=PHOTO_HELP)


class ResolveWithNoteAndPhoto(ResolveWithNote):
    photo = serializers.FileField(required=False, help_text=PHOTO_HELP)


class ResponseTemplateSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", default=None, allow_null=True)
    shared = serializers.SerializerMethodField(
        help_text="For every department (the centre's), not only yours."
    )
    placeholders = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ResponseTemplate
        fields = ["id", "title", "body", "category", "shared", "placeholders"]

    def get_shared(self, template: ResponseTemplate) -> bool:
        return template.department_id is None


class RejectInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=["invalid", "not_our_department"])
    note = TextField(max_length=2000, required=False, allow_blank=True, default="")


class CommentInput(serializers.Serializer):
    text = TextField(max_length=2000)


class CommentSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()


class AskInput(serializers.Serializer):
    # Blank (or, in a form, left out) is taken here and answered 422 with the field, like a
    # resolution's missing note.
    question = TextField(
        max_length=500,
        allow_blank=True,
        required=False,
        default="",
        help_text="The question the reporter reads (e.g. which entrance); not blank.",
    )


# --- Transfer (转办) and joint handling (联办), issue 14 ---------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name", "name_en"]


class TransferInput(serializers.Serializer):
    department = TextField(
        max_length=40, help_text="The code of the department to hand the report to."
    )
    reason = TextField(max_length=500, help_text="Why it is that department's report.")


# The schema's TransferStatusEnum (ENUM_NAME_OVERRIDES in settings).
TRANSFER_STATUSES = TransferRequest.Status.choices


class TransferSerializer(serializers.ModelSerializer):
    report = serializers.CharField(source="report.public_id")
    from_department = serializers.CharField(source="from_department.code")
    to_department = serializers.CharField(source="to_department.code")

    class Meta:
        model = TransferRequest
        fields = [
            "id",
            "report",
            "from_department",
            "to_department",
            "reason",
            "status",
            "by_rule",
            "requested_at",
            "decide_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class EvidenceInput(serializers.Serializer):
    photo = serializers.FileField(help_text=PHOTO_HELP)


class EvidenceSerializer(PhotoSerializer):
    department = serializers.CharField()
    at = serializers.DateTimeField()
