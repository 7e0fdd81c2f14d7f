"""Writes for city-problem reports: submit, route in the background, watch deadlines."""

import datetime as dt
import logging
import string
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from PIL import Image

from core import redaction, roles
from core.errors import DomainError
from core.events import publish
from core.geo import bounding_box, distance_m
from core.messages import Params, names
from core.models import District, User
from core.photos import THUMBNAIL_SIDE, PhotoError, check_photos, process_photo
from core.prepared import PreparedModels
from core.queue import enqueue_on_commit
from core.services import notification_post
from riders.models import Rider, mask_phone
from riders.notify import SMSNotice, rider_notify
from riders.services import SignInThrottled, sms_budget_alert, sms_budget_take
from riders.sms import get_sms_sender
from riders.sms_outbox import sms_create, sms_send_now
from riders.sms_templates import OFFICER_SIGN_IN_CODE

from . import messages, routing, workflow
from .events import ReportAssistAdded, ReportsEscalated, ReportsOverdue
from .models import (
    OPEN_STATUSES,
    WITH_DEPARTMENT,
    Category,
    Department,
    EvidencePhoto,
    FixAnswer,
    Officer,
    OfficerSMSDevice,
    Priority,
    Report,
    ReportAssist,
    ReportEvent,
    ReportPhoto,
    ReportQuestion,
    ReportStatus,
    ReportSupporter,
    ResponseTemplate,
    TransferRequest,
    TransferRule,
    template_placeholders,
)

logger = logging.getLogger(__name__)


class ReportRateLimited(DomainError):
    code = "report_rate_limited"


def report_rate_check(*, rider: Rider) -> None:
    """Raise ReportRateLimited when the rider has filed the hourly maximum already.

    One indexed count. report_submit checks it again under the rider's lock; callers may check
    it first to refuse before parsing anything else (the report form does).
    """
    recent = Report.objects.filter(
        rider=rider, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    ).count()
    if recent >= settings.REPORTS_PER_RIDER_PER_HOUR:
        raise ReportRateLimited(
            _(
                "You have sent %(count)d reports in the last hour. Thank you! "
                "Please wait a little before sending the next one."
            )
            % {"count": recent}
        )


def report_submit(
    *,
    rider: Rider,
    category: Category,
    description: str,
    district: District,
    latitude: Decimal | None,
    longitude: Decimal | None,
    address: str = "",
    photos: list["UploadedFile[bytes]"],
    media_url: str = "",
    require_photo: bool = True,
) -> Report:
    """File a report; routing happens in the background once the transaction commits.

    Photos are decoded and re-encoded before the transaction opens, so a bad photo refuses the
    whole report and nothing is half-written; the hourly limit and the photos' cheap limits
    (core/photos.py) are checked before any of them is decoded. Reports from Open311
    integrations need no photo (the standard makes it optional) and may bring a `media_url`,
    a link we show, never fetch.
    """
    if not rider.is_active:
        raise DomainError(_("Your rider account is not active."), code="rider_inactive")
    if not category.is_active:
        raise DomainError(_("This category is no longer in use."), code="category_inactive")
    if not routing.category_offered(category.pk, district.city_id):
        raise DomainError(
            _("This category is not used in %(city)s: choose another one.")
            % {"city": district.city.display_name},
            code="category_not_offered",
        )
    if require_photo and not photos:
        raise PhotoError(_("Add at least one photo of the problem."), code="photo_required")
    # Cheap refusals first, decoding last (issue #12): the hourly limit and every photo's
    # count, bytes and declared pixel size are checked before a single pixel is decoded.
    report_rate_check(rider=rider)
    headers = check_photos(photos)
    processed = [
        process_photo(upload, header=header) for upload, header in zip(photos, headers, strict=True)
    ]
    approximate = False
    if latitude is None or longitude is None:
        gps = next((p.gps for p in processed if p.gps), None)
        if gps is not None:
            latitude, longitude = gps
        elif address.strip():
            latitude, longitude, approximate = district.latitude, district.longitude, True
        else:
            raise DomainError(
                _("Share your location, use a photo taken with location on, or type the address."),
                code="location_required",
            )
    with transaction.atomic():
        # Lock the rider so two simultaneous submissions cannot both pass the hourly limit;
        # the check above only spares the decoding for riders already over it.
        Rider.objects.select_for_update().filter(pk=rider.pk).first()
        report_rate_check(rider=rider)
        report = Report.objects.create(
            rider=rider,
            category=category,
            description=description.strip(),
            district=district,
            latitude=latitude,
            longitude=longitude,
            address=address.strip(),
            location_approximate=approximate,
            media_url=media_url,
            priority=category.default_priority,
        )
        for position, photo in enumerate(processed, start=1):
            photo_redaction_queue(
                photo=ReportPhoto.objects.create(
                    report=report,
                    position=position,
                    image=photo.image,
                    thumbnail=photo.thumbnail,
                    width=photo.width,
                    height=photo.height,
                )
            )
        ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.SUBMITTED,
            actor=rider.user,
            to_status=report.status,
        )
        from .tasks import route_report

        enqueue_on_commit(route_report, report.pk)
    return report


# Part of the key: changing it changes every department's pseudonyms (as does SECRET_KEY).
PSEUDONYM_PURPOSE = "governance.reporter-pseudonym.per-department"


def reporter_pseudonym(*, rider_id: int, department_id: int) -> str:
    """The reporting rider as one department sees them: stable within that department (it can
    tell that reports come from the same rider) but different in every other, so departments
    cannot link a rider's reports across departments, and nothing says who the rider is.

    An HMAC over (department id, rider id) with a key derived from SECRET_KEY and a purpose
    string; 48 bits, so two riders of the same department collide with odds of about 3 in a
    million at 41,000 riders.
    """
    value = f"{department_id}:{rider_id}"
    return salted_hmac(PSEUDONYM_PURPOSE, value, algorithm="sha256").hexdigest()[:12]


def report_resolve(
    *,
    report: Report,
    department: Department,
    reply: str,
    photo: "UploadedFile[bytes] | None" = None,
    actor: User | None = None,
) -> Report:
    """A department resolves a report with its reply and, optionally, an evidence photo."""
    processed = process_photo(photo) if photo is not None else None  # before the transaction
    with transaction.atomic():
        report = workflow.resolve(
            report,
            department=department,
            reply=reply,
            actor=actor,
            with_evidence=processed is not None,
        )
        if processed is not None:
            photo_redaction_queue(
                photo=EvidencePhoto.objects.create(
                    report=report,
                    department=department,
                    image=processed.image,
                    thumbnail=processed.thumbnail,
                )
            )
    return report


def report_comment(
    *, report: Report, department: Department, text: str, actor: User | None = None
) -> ReportEvent:
    """A department's message to the rider, on the report's timeline; no status change."""
    text = text.strip()
    if not text:
        raise DomainError(_("The comment is empty."), code="comment_empty")
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        # The lead department, or one assisting with the report (联办).
        if not _works_on(report, department):
            raise workflow.IllegalTransition(
                _("This report is not assigned to your department."), code="not_your_report"
            )
        event = ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.COMMENT,
            actor=actor,
            department=department,
            from_status=report.status,
            to_status=report.status,
            note=text,
        )
        notification_post(
            recipient=report.rider.user,
            message=messages.COMMENTED,
            params={"id": report.public_id},
            body=text,
            link=f"/reports/{report.public_id}/",
        )
    return event


def same_place(
    *, category: Category, latitude: Decimal, longitude: Decimal, report: Report
) -> bool:
    """The duplicate rule's "same place": within the category's radius of the report. A report
    placed only at its district's centre (typed address, no GPS) is nobody's same place."""
    if report.location_approximate:
        return False
    return (
        distance_m(latitude, longitude, report.latitude, report.longitude)
        <= category.duplicate_radius_m
    )


def report_join(
    *, rider: Rider, report: Report, latitude: Decimal | None, longitude: Decimal | None
) -> Report:
    """The rider saw the same problem: follow this report instead of filing a duplicate.

    Only from the place: the rider's position (sent by the phone, as when filing) must be the
    report's "same place" by the duplicate rule. Joining lets the rider follow the progress;
    it shows them nothing the reporter wrote or photographed (docs/decisions.md).
    """
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("category")
            .get(pk=report.pk)
        )
        if not report.is_open or report.duplicate_of_id:
            raise DomainError(
                _("This report is already closed. File a new one if the problem is still there."),
                code="report_closed",
            )
        if report.rider_id == rider.pk:
            raise DomainError(_("This is your own report."), code="own_report")
        if latitude is None or longitude is None:
            raise DomainError(
                _("Share your location to join: only riders at the place can join a report."),
                code="join_location_required",
            )
        if report.location_approximate:
            raise DomainError(
                _("This report has no exact place, so it cannot be joined. File your own."),
                code="join_no_place",
            )
        if not same_place(
            category=report.category, latitude=latitude, longitude=longitude, report=report
        ):
            raise DomainError(
                _(
                    "You are not at the place of this report (within %(radius)d m). Join it "
                    "when you are there, or file your own report."
                )
                % {"radius": report.category.duplicate_radius_m},
                code="join_too_far",
            )
        _supporter, created = ReportSupporter.objects.get_or_create(report=report, rider=rider)
        if created:
            Report.objects.filter(pk=report.pk).update(supporter_count=F("supporter_count") + 1)
            ReportEvent.objects.create(
                report=report,
                kind=ReportEvent.Kind.JOINED,
                actor=rider.user,
                to_status=report.status,
            )
    return report


# The routing table (governance/routing.py): saving a rule clears this process's copy.
routing_rules_forget = routing.forget


def department_for(*, category: Category, district: District) -> Department | None:
    """The routing rule for (category, district), else the category-wide rule of the district's
    city, else None; never a department of another city (issue 19)."""
    return _department_for(category_id=category.pk, district_id=district.pk)


def _department_for(*, category_id: int, district_id: int) -> Department | None:
    return routing.table().department_for(category_id=category_id, district_id=district_id)


# What routing reads of a submitted report: the rider (told), the category (duplicates, the
# closure clock). Not the department (none yet) nor the district (its id is enough).
ROUTING_RELATED = ("rider__user", "category")


# Routing's second statement, compiled once per process (core/prepared.py).
_DUPLICATE_CANDIDATES = PreparedModels(
    lambda _shape, category_id, min_lat, max_lat, min_lng, max_lng, since, until, report_id: (
        Report.objects.filter(
            category_id=category_id,
            status__in=OPEN_STATUSES,
            duplicate_of__isnull=True,
            location_approximate=False,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lng, max_lng),
            created_at__gte=since,
            created_at__lte=until,
        )
        .exclude(pk=report_id)
        .order_by("created_at", "id")
        .only("id", "public_id", "latitude", "longitude", "location_approximate", "created_at")
    ),
    category_id=int,
    min_lat=Decimal,
    max_lat=Decimal,
    min_lng=Decimal,
    max_lng=Decimal,
    since=dt.datetime,
    until=dt.datetime,
    report_id=int,
    # Planned by PostgreSQL for each box: its generic plan, made without the coordinates, made
    # routing slower (88 reports/s against 121, bench/routing.py).
    on_server=False,
)


def find_duplicate(report: Report) -> Report | None:
    """The earliest open report of the same category near the same place within the window."""
    if report.location_approximate:
        return None
    category = report.category
    min_lat, max_lat, min_lng, max_lng = bounding_box(
        report.latitude, report.longitude, category.duplicate_radius_m
    )
    candidates = _DUPLICATE_CANDIDATES.objects(
        category_id=category.pk,
        min_lat=min_lat,
        max_lat=max_lat,
        min_lng=min_lng,
        max_lng=max_lng,
        since=report.created_at - dt.timedelta(hours=category.duplicate_window_hours),
        until=report.created_at,
        report_id=report.pk,
    )
    for candidate in candidates:
        if candidate.created_at == report.created_at and candidate.pk > report.pk:
            continue
        if same_place(
            category=category,
            latitude=report.latitude,
            longitude=report.longitude,
            report=candidate,
        ):
            return candidate
    return None


def report_route_automatically(*, report_id: int) -> Report | None:
    """Route a submitted report: link it to an earlier duplicate, or send it by the rules.

    Idempotent: the row is locked before the status check, so a concurrent second run waits and
    then finds the report no longer "submitted", and leaves it alone.
    """
    with transaction.atomic():
        # Lock first: a second run of this task waits here, then sees the new status.
        report = workflow.lock_report(report_id, related=ROUTING_RELATED)
        if report is None or report.status != ReportStatus.SUBMITTED:
            return report
        _commit_without_waiting_for_disk()
        # The row is locked in this transaction: the transition takes it as it is.
        original = find_duplicate(report)
        if original is not None:
            return workflow.mark_duplicate(report, original=original, locked=True)
        department = _department_for(category_id=report.category_id, district_id=report.district_id)
        if department is not None:
            return workflow.route(report, department=department, locked=True)
        return workflow.to_dispatcher(report, system_note=messages.NO_ROUTING_RULE, locked=True)


def _commit_without_waiting_for_disk() -> None:
    """Let this transaction's COMMIT return before its WAL record is flushed to disk
    (PostgreSQL's asynchronous commit, for this transaction only).

    The flush was the largest single cost of a routing (several ms per report on a busy disk,
    one report per transaction). What it risks is small and repaired: a crash of the database
    server itself within a fraction of a second (wal_writer_delay) may lose the last routings —
    never half of one, the transaction stays atomic — and those reports are "submitted" again,
    which the sweep (unrouted_reports_requeue) routes anew. Nothing else a rider or a department
    relies on is lost: the rider's message and the webhook outbox rows are written again by
    the new routing (a receiver may then hear of the routing twice, as webhooks may anyway:
    at least once)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def unrouted_reports_requeue(*, older_than_seconds: int | None = None, limit: int = 500) -> int:
    """Queue routing again for reports still "submitted" (a lost message, a broker outage)."""
    from .tasks import route_report

    age = older_than_seconds
    if age is None:
        age = settings.REPORT_ROUTING_SWEEP_AFTER_SECONDS
    ids = list(
        Report.objects.filter(
            status=ReportStatus.SUBMITTED,
            created_at__lt=timezone.now() - dt.timedelta(seconds=age),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for report_id in ids:
        route_report.delay(report_id)
    return len(ids)


def report_deadlines_sweep(*, now: dt.datetime | None = None, batch_size: int = 5000) -> int:
    """Warn, flag overdue and escalate reports whose next deadline check has come.

    Set-based: each stage is one UPDATE over the batch, plus bulk-inserted timeline events, so
    a sweep over millions of reports costs a few statements per batch. Rows another sweep holds
    are skipped (SKIP LOCKED) and picked up next minute.
    """
    now = now or timezone.now()
    handled = 0
    while True:
        with transaction.atomic():
            rows = list(
                Report.objects.select_for_update(skip_locked=True)
                .filter(next_check_at__lte=now, status__in=WITH_DEPARTMENT)
                .order_by("next_check_at")
                .values(
                    "id", "department_id", "due_at", "routed_at", "escalation_level", "is_overdue"
                )[:batch_size]
            )
            if not rows:
                return handled
            handled += len(rows)
            _apply_deadline_stages(rows, now)
        if len(rows) < batch_size:
            return handled


def _apply_deadline_stages(rows: Sequence[Mapping[str, Any]], now: dt.datetime) -> None:
    warn, overdue, escalate, settled = [], [], [], []
    for row in rows:
        second_deadline = row["due_at"] + (row["due_at"] - row["routed_at"])
        if now >= second_deadline and row["escalation_level"] < 2:
            escalate.append(row)
        # Not the level: a reopened report starts its new deadline already at level 1.
        elif now >= row["due_at"] and not row["is_overdue"]:
            overdue.append(row)
        elif now < row["due_at"]:
            warn.append(row)
        else:
            settled.append(row)
    double_deadline = ExpressionWrapper(
        F("due_at") + (F("due_at") - F("routed_at")), output_field=DateTimeField()
    )
    if settled:
        # Nothing left to do for these (already at their level): stop watching them.
        Report.objects.filter(pk__in=[r["id"] for r in settled]).update(next_check_at=None)
    if warn:
        Report.objects.filter(pk__in=[r["id"] for r in warn]).update(
            warned_at=now, next_check_at=F("due_at")
        )
    if overdue:
        Report.objects.filter(pk__in=[r["id"] for r in overdue]).update(
            is_overdue=True,
            escalation_level=Greatest(F("escalation_level"), Value(1)),
            warned_at=Case(When(warned_at__isnull=True, then=Value(now)), default=F("warned_at")),
            next_check_at=double_deadline,
        )
    if escalate:
        Report.objects.filter(pk__in=[r["id"] for r in escalate]).update(
            is_overdue=True,
            escalation_level=2,
            warned_at=Case(When(warned_at__isnull=True, then=Value(now)), default=F("warned_at")),
            next_check_at=None,
        )
    stages = (
        (warn, ReportEvent.Kind.WARNED, messages.DEADLINE_NEAR),
        (overdue, ReportEvent.Kind.ESCALATED, messages.DEADLINE_PASSED),
        (escalate, ReportEvent.Kind.ESCALATED, messages.DEADLINE_TWICE_PASSED),
    )
    for stage_rows, event_kind, note in stages:
        if stage_rows:
            _timeline_lines_insert(stage_rows, kind=event_kind, note_kind=note.kind)
    # The timeline records each stage; the department and the dispatchers hear of overdue and
    # escalated reports through these events (webhooks), one per stage and batch, so
    # subscribers can react set-based too.
    if overdue:
        publish(ReportsOverdue(report_ids=tuple(r["id"] for r in overdue)))
    if escalate:
        publish(ReportsEscalated(report_ids=tuple(r["id"] for r in escalate)))


def _timeline_lines_insert(rows: Sequence[Mapping[str, Any]], *, kind: str, note_kind: str) -> None:
    """The sweep's timeline lines of one stage (not public, no actor, the report's department):
    one INSERT from two arrays. Building and compiling 5,000 ReportEvent instances for
    bulk_create was half the sweep's time; these rows have no signals and nothing per row
    but the two ids."""
    if connection.vendor != "postgresql":
        # SQLite (make run on a laptop) has no arrays: the same rows through the ORM.
        ReportEvent.objects.bulk_create(
            ReportEvent(
                report_id=row["id"],
                department_id=row["department_id"],
                kind=kind,
                note_kind=note_kind,
                public=False,
            )
            for row in rows
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ReportEvent._meta.db_table} (
                report_id, department_id, kind, actor_id, from_status, to_status, note_kind,
                params, note, public, created_at)
            SELECT batch.report_id, batch.department_id, %s, NULL, '', '', %s, '{{}}', '',
                   false, %s
            FROM unnest(%s::bigint[], %s::bigint[]) AS batch(report_id, department_id)
            """,  # noqa: S608 - the table name is ours
            [
                kind,
                note_kind,
                timezone.now(),  # when written, as auto_now_add would (`now` may be a test's)
                [row["id"] for row in rows],
                [row["department_id"] for row in rows],
            ],
        )


# --- The rider's check of a fix (闭环, issue 14) ---------------------------------------------


def report_check(
    *,
    rider: Rider,
    report: Report,
    outcome: str,
    satisfaction: str,
    comment: str = "",
    photo: "UploadedFile[bytes] | None" = None,
) -> FixAnswer:
    """A rider who follows a resolved report answers "is it fixed?".

    The reporter's answer decides: fixed confirms the report (and pays the reward), "not
    fixed" — or dissatisfied with a photo — reopens it, the second time to the dispatcher's
    supervision. A rider who joined is heard too (the timeline and the department's
    satisfaction figures) but does not decide. One answer per rider and resolution.
    """
    if outcome not in FixAnswer.Outcome.values:
        raise DomainError(_("Say whether it is fixed."), code="outcome_required")
    if satisfaction not in FixAnswer.Satisfaction.values:
        raise DomainError(_("Say how satisfied you are."), code="satisfaction_required")
    comment = comment.strip()
    if len(comment) > 500:
        raise DomainError(_("Keep the comment under 500 characters."), code="comment_too_long")
    processed = process_photo(photo) if photo is not None else None  # before the transaction
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        is_reporter = row.rider_id == rider.pk
        if not is_reporter and not row.supporters.filter(rider=rider).exists():
            raise Report.DoesNotExist  # a stranger learns nothing about the report
        if row.status != ReportStatus.RESOLVED:
            raise DomainError(
                _("This report is not waiting for your check any more."), code="not_resolved"
            )
        if FixAnswer.objects.filter(report=row, rider=rider, round=row.reopen_count).exists():
            raise DomainError(_("You have already answered."), code="already_answered")
        answer = FixAnswer(
            report=row,
            rider=rider,
            round=row.reopen_count,
            outcome=outcome,
            satisfaction=satisfaction,
            comment=comment,
        )
        if processed is not None:
            answer.photo = processed.image
            answer.thumbnail = processed.thumbnail
        answer.save()
        if processed is not None:
            photo_redaction_queue(photo=answer)  # departments read the checks (issue 20)
        said = {"outcome": outcome, "satisfaction": satisfaction}
        if not is_reporter:
            ReportEvent.objects.create(
                report=row,
                kind=ReportEvent.Kind.ANSWERED,
                actor=rider.user,
                from_status=row.status,
                to_status=row.status,
                note_kind=messages.CHECK_ANSWERED.kind,
                params=said,
                note=comment,
            )
        elif answer.reopens:
            step = workflow.supervise if row.reopen_count >= 1 else workflow.reopen
            step(row, locked=True, note=comment, said=said, by=rider.user)
        else:
            workflow.confirm(row, locked=True, note=comment, said=said, by=rider.user)
    return answer


def unchecked_fixes_accept(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Resolved reports whose rider did not answer in REPORT_CHECK_HOURS: accepted by default
    (默认满意), recorded as a FixAnswer with `by_default`, never as a real answer. Rows another
    sweep (or the rider, answering right now) holds are skipped and looked at next time."""
    now = now or timezone.now()
    accepted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Report.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("rider__user", "department", "category", "district")
                .filter(status=ReportStatus.RESOLVED, verify_by__lte=now)
                .order_by("verify_by")[:batch_size]
            )
            for row in rows:
                FixAnswer.objects.get_or_create(
                    report=row,
                    rider_id=row.rider_id,
                    round=row.reopen_count,
                    defaults={
                        "outcome": FixAnswer.Outcome.FIXED,
                        "satisfaction": FixAnswer.Satisfaction.SATISFIED,
                        "by_default": True,
                    },
                )
                workflow.confirm(row, locked=True, by_default=True)
            accepted += len(rows)
        if len(rows) < batch_size:
            return accepted


def template_fill(
    *,
    template: ResponseTemplate | None,
    department: Department,
    category: Category,
    fields: Mapping[str, str],
) -> str:
    """A response template's text with its placeholders filled in, for a resolution's reply.

    `template` None (no such id) is refused like another department's template, so a token
    learns nothing about templates it may not use. Each value goes in as plain text, never
    formatted itself: `{0.__class__}` in a value stays those characters. Missing or empty
    values and names the template does not have are refused with the field errors
    (`fields.<name>`), answered 422 by the API."""
    if template is None or not template.is_usable_by(department, category):
        raise workflow.ResolutionIncomplete(
            _("This response template cannot be used for this report."),
            fields={"template": [_("No such template for your department and this category.")]},
        )
    names = template_placeholders(template.body)
    missing: dict[str, list[str]] = {}
    for name in names:
        if not str(fields.get(name, "")).strip():
            missing[f"fields.{name}"] = [_("Fill in “%(name)s”.") % {"name": name}]
    for name in fields:
        if name not in names:
            missing[f"fields.{name}"] = [
                _("The template has no “%(name)s” to fill in.") % {"name": name}
            ]
    if missing:
        raise workflow.ResolutionIncomplete(
            _("Fill in every blank of the response template."), fields=missing
        )
    text = []
    for literal, blank, _spec, _conversion in string.Formatter().parse(template.body):
        text.append(literal)
        if blank is not None:
            text.append(fields[blank].strip())
    return "".join(text)


# --- Questions to the rider (issue 14, "Ask the rider") ---------------------------------------

QUESTION_MAX_CHARS = ReportQuestion._meta.get_field("text").max_length or 500
ANSWER_MAX_CHARS = ReportQuestion._meta.get_field("answer").max_length or 1000


def report_ask(
    *, report: Report, department: Department, question: str, actor: User | None = None
) -> ReportQuestion:
    """The department asks the reporter a question (workflow.ask: the report waits, its clock
    paused) and the reporter is told in their inbox, with the department's name in their
    language and the question as typed. Only the reporter: riders who joined cannot answer.

    `waiting` has no STATUS_CHANGED message, so this is the one notification of the step."""
    text = question.strip()
    if len(text) > QUESTION_MAX_CHARS:
        raise DomainError(
            _("Keep the question under %(count)d characters.") % {"count": QUESTION_MAX_CHARS},
            code="question_too_long",
        )
    with transaction.atomic():
        row = workflow.ask(report, department=department, question=text, actor=actor)
        asked = ReportQuestion.objects.get(
            report=row, answered_at__isnull=True, closed_at__isnull=True
        )
        # By SMS too (riders/notify.py): the clock waits on the rider, the answer is due.
        rider_notify(
            rider=row.rider,
            message=messages.QUESTION_ASKED,
            params={"id": row.public_id, "department": names(department)},
            body=text,
            link=f"/reports/{row.public_id}/#question",
            sms=SMSNotice(
                "report_question",
                {
                    "report": row.public_id,
                    "deadline": timezone.localtime(asked.answer_by).strftime("%m-%d %H:%M"),
                },
                expires_at=asked.answer_by,
            ),
        )
    return asked


def question_answer(
    *,
    rider: Rider,
    report: Report,
    text: str,
    photo: "UploadedFile[bytes] | None" = None,
    position: int | None = None,
) -> ReportQuestion:
    """The reporter answers the department's open question (text, optionally a photo): the
    report goes back to the department (acknowledged) and its clock runs again, the deadline
    moved on by the pause (workflow.answer).

    Only the reporter answers; a rider who joined is refused, anyone else learns nothing
    (Report.DoesNotExist). The report is locked before the open question is looked up, so a
    double submit, or the timeout sweep at the same moment, finds it answered and the second
    is refused with "no_question". `position`, when given, is the question the rider saw: an
    answer to an earlier question never answers a newer one."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write your answer to the question."), code="answer_required")
    if len(text) > ANSWER_MAX_CHARS:
        raise DomainError(
            _("Keep the answer under %(count)d characters.") % {"count": ANSWER_MAX_CHARS},
            code="answer_too_long",
        )
    processed = process_photo(photo) if photo is not None else None  # before the transaction
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        if row.rider_id != rider.pk:
            if row.supporters.filter(rider=rider).exists():
                raise DomainError(
                    _("Only the rider who filed the report answers the department's questions."),
                    code="not_reporter",
                )
            raise Report.DoesNotExist  # a stranger learns nothing about the report
        question = (
            ReportQuestion.objects.filter(
                report=row, answered_at__isnull=True, closed_at__isnull=True
            ).first()
            if row.status == ReportStatus.WAITING
            else None
        )
        if question is None or (position is not None and question.position != position):
            # The question the rider saw (else the latest): answered means a second submit.
            seen = ReportQuestion.objects.filter(report=row).order_by("-position")
            if position is not None:
                seen = seen.filter(position=position)
            last = seen.first()
            if last is not None and last.answered_at is not None:
                message = _("You have already answered the department's question. Thank you!")
            else:
                message = _("The department has no open question about this report now.")
            raise DomainError(message, code="no_question")
        question.answer = text
        question.answered_at = timezone.now()
        if processed is not None:
            question.photo = processed.image
            question.thumbnail = processed.thumbnail
        question.save()
        if processed is not None:
            photo_redaction_queue(photo=question)  # the department reads it (issue 20)
        workflow.answer(row, locked=True, note=text, by=rider.user)
    return question


def unanswered_questions_expire(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Questions the rider did not answer by `answer_by` (REPORT_QUESTION_HOURS): the report
    goes back to the department with its clock running again (workflow.answer_timeout) and the
    question is closed unanswered.

    The report rows are locked (rows the rider, answering right now, holds are skipped and
    looked at next time) and the open question checked again under the lock, so an answer
    and the timeout never both happen. Safe to repeat: an expired question is closed."""
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            rows = list(
                Report.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("rider__user", "department", "category", "district")
                .filter(
                    status=ReportStatus.WAITING,
                    questions__answered_at__isnull=True,
                    questions__closed_at__isnull=True,
                    questions__answer_by__lte=now,
                )
                .order_by("questions__answer_by", "id")[:batch_size]
            )
            done = 0
            for row in rows:
                still_open = ReportQuestion.objects.filter(
                    report=row, answered_at__isnull=True, closed_at__isnull=True, answer_by__lte=now
                ).exists()
                if row.status != ReportStatus.WAITING or not still_open:
                    continue
                workflow.answer_timeout(
                    row, locked=True, system_note=messages.QUESTION_NOT_ANSWERED
                )
                done += 1
            expired += done
        if len(rows) < batch_size or done == 0:
            return expired


# --- Priority (issue 14) ----------------------------------------------------------------------


def report_prioritise(
    *, report: Report, priority: int | str, reason: str, by: User | None
) -> Report:
    """The dispatcher gives a report another priority, with a reason (the timeline says
    "Priority: normal → urgent" in the reader's language, then the reason). The deadline of a
    report with a department follows the new priority (workflow.prioritise); an urgent one
    pages its department's webhook (ReportUrgent). Nobody else is told: the rider and Open311
    see nothing of the centre's triage."""
    new = priority_parse(priority)
    with transaction.atomic():
        # Lock first, so the timeline's "from" is the priority this change replaces.
        before = (
            Report.objects.select_for_update()
            .filter(pk=report.pk)
            .values_list("priority", flat=True)
            .first()
        )
        if before is None:
            raise Report.DoesNotExist
        return workflow.prioritise(
            report,
            priority=new,
            reason=reason,
            actor=by,
            system_note=messages.PRIORITY_CHANGED,
            note_params={"from": before, "to": int(new)},
        )


def priority_parse(value: int | str) -> Priority:
    """A priority from its rank (1, "1") or its name ("urgent"); a translated DomainError for
    anything else."""
    text = str(value).strip().lower()
    for choice in Priority:
        if text in (str(choice.value), choice.name.lower()):
            return choice
    raise DomainError(_("Choose a priority: urgent, normal or low."), code="priority_invalid")


# --- Transfer (转办) and joint handling (联办), issue 14 ---------------------------------------


class TransferInvalid(DomainError):
    """A transfer or an assisting department refused for what was asked (no such department,
    another city's, itself, no reason): `fields` says which input (the API answers 422)."""

    code = "transfer_invalid"

    def __init__(self, message: str, *, code: str, fields: dict[str, list[str]]) -> None:
        super().__init__(message, code=code)
        self.fields = fields


def not_lead() -> workflow.IllegalTransition:
    """The refusal of a lead-only action to an assisting department (HTTP 409 not_lead)."""
    return workflow.IllegalTransition(
        _(
            "Only the lead department can do this: your department assists with this report "
            "(comments and evidence photos only)."
        ),
        code="not_lead",
    )


def _lead_check(row: Report, department: Department) -> None:
    """The lead department's own action: an assisting department is told so (409 not_lead),
    any other is told it is not its report."""
    if row.department_id == department.pk:
        return
    if row.assists.filter(department=department).exists():
        raise not_lead()
    raise workflow.IllegalTransition(
        _("This report is not assigned to your department."), code="not_your_report"
    )


def _works_on(row: Report, department: Department) -> bool:
    """The lead department or an assisting one."""
    return row.department_id == department.pk or row.assists.filter(department=department).exists()


def _partner_check(row: Report, department: Department | None, *, field: str) -> Department:
    """Another department the report can go to or be helped by: active, of the report's city.
    A missing, inactive or other city's department gets the same answer (nothing to learn)."""
    if department is None or not department.is_active or department.city_id != row.district.city_id:
        raise TransferInvalid(
            _("No such active department in this city."),
            code="department_unknown",
            fields={field: [_("No such active department in this city.")]},
        )
    return department


def dispatchers(*, city_id: int | None = None) -> QuerySet[User]:
    """The centre's dispatchers, who decide transfers; with `city_id`, that city's only (a
    Jinan transfer is no Qingdao dispatcher's to decide, issue 19)."""
    rows = User.objects.filter(groups__name=roles.DISPATCHER, is_active=True, is_staff=True)
    if city_id is not None:
        rows = rows.filter(city_id=city_id)
    return rows.distinct()


def _transfer_names(transfer: TransferRequest) -> Params:
    return {"from": names(transfer.from_department), "to": names(transfer.to_department)}


def _transfer_carry_out(row: Report, transfer: TransferRequest, *, by: User | None) -> None:
    # The rider reads the line (a re-route to the new department) and the department's reason.
    workflow.transfer(
        row,
        to_department=transfer.to_department,
        actor=by,
        note=transfer.reason,
        system_note=messages.TRANSFERRED,
        note_params=_transfer_names(transfer),
        locked=True,
    )


def transfer_request(
    *,
    report: Report,
    department: Department,
    to_department: Department | None,
    reason: str,
    by: User | None = None,
) -> TransferRequest:
    """The lead department says the report is another department's (转办) and names it.

    A known pair (an active TransferRule) is approved at once and re-routed; otherwise the
    request waits for the dispatcher until `decide_by` (TRANSFER_DECISION_HOURS) while the
    requesting department's clock keeps running (docs/decisions.md, "Transfer"). One request
    waits per report. The rider hears of it only once approved.
    """
    reason = reason.strip()
    if not reason:
        raise TransferInvalid(
            _("Say why the report is the other department's."),
            code="reason_required",
            fields={"reason": [_("Say why the report is the other department's.")]},
        )
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        _lead_check(row, department)
        if row.status not in workflow.WORKING:
            raise workflow.IllegalTransition(
                _("A report that is “%(status)s” cannot be transferred.")
                % {"status": row.get_status_display()},
                code="illegal_transition",
            )
        target = _partner_check(row, to_department, field="department")
        if target.pk == department.pk:
            raise TransferInvalid(
                _("The report is already with your department."),
                code="same_department",
                fields={"department": [_("Name another department than yours.")]},
            )
        if row.transfers.filter(status=TransferRequest.Status.PENDING).exists():
            raise workflow.IllegalTransition(
                _("A transfer of this report is already waiting for the dispatcher."),
                code="transfer_pending",
            )
        now = timezone.now()
        by_rule = TransferRule.objects.filter(
            from_department=department, to_department=target, is_active=True
        ).exists()
        transfer = TransferRequest.objects.create(
            report=row,
            from_department=department,
            to_department=target,
            reason=reason,
            requested_by=by,
            requested_at=now,
            decide_by=now + dt.timedelta(hours=settings.TRANSFER_DECISION_HOURS),
            status=TransferRequest.Status.APPROVED if by_rule else TransferRequest.Status.PENDING,
            by_rule=by_rule,
            decided_at=now if by_rule else None,
        )
        if by_rule:
            _transfer_carry_out(row, transfer, by=by)
            return transfer
        ReportEvent.objects.create(
            report=row,
            kind=ReportEvent.Kind.TRANSFER_ASKED,
            actor=by,
            department=department,
            from_status=row.status,
            to_status=row.status,
            note_kind=messages.TRANSFER_ASKED.kind,
            params=_transfer_names(transfer),
            note=reason,
            public=False,
        )
        link = reverse("admin:governance_transferrequest_change", args=[transfer.pk])
        for user in dispatchers(city_id=department.city_id):
            notification_post(
                recipient=user,
                message=messages.TRANSFER_TO_DECIDE,
                params={"id": row.public_id, **_transfer_names(transfer)},
                link=link,
            )
    return transfer


def transfer_decide(
    *, transfer: TransferRequest, approve: bool, by: User | None, note: str = ""
) -> TransferRequest:
    """The dispatcher approves a waiting transfer (the new department gets the report with a
    fresh deadline) or refuses it with a note (the report stays with the requesting department,
    on its original deadline). Decided once."""
    note = note.strip()
    if not approve and not note:
        raise DomainError(
            _("Say why the transfer is refused: the department reads it."),
            code="reason_required",
        )
    with transaction.atomic():
        # The report first, as every transition locks it: the request's row second.
        row = workflow.lock_report(transfer.report_id)
        if row is None:
            raise Report.DoesNotExist
        transfer = (
            TransferRequest.objects.select_for_update(of=("self",))
            .select_related("from_department", "to_department")
            .get(pk=transfer.pk)
        )
        if transfer.status != TransferRequest.Status.PENDING:
            raise workflow.IllegalTransition(
                _("This transfer request was already decided."), code="transfer_decided"
            )
        transfer.decided_by = by
        transfer.decided_at = timezone.now()
        transfer.decision_note = note
        if approve:
            if row.department_id != transfer.from_department_id or row.status not in (
                workflow.WORKING
            ):
                raise workflow.IllegalTransition(
                    _(
                        "The report is no longer being worked by the requesting department: "
                        "refuse the request."
                    ),
                    code="transfer_stale",
                )
            _partner_check(row, transfer.to_department, field="department")
            transfer.status = TransferRequest.Status.APPROVED
            transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            _transfer_carry_out(row, transfer, by=by)
            return transfer
        transfer.status = TransferRequest.Status.REFUSED
        transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        ReportEvent.objects.create(
            report=row,
            kind=ReportEvent.Kind.TRANSFER_REFUSED,
            actor=by,
            department=transfer.from_department,
            from_status=row.status,
            to_status=row.status,
            note_kind=messages.TRANSFER_REFUSED.kind,
            params=_transfer_names(transfer),
            note=note,
            public=False,
        )
    return transfer


def assist_add(*, report: Report, department: Department, by: User | None) -> ReportAssist:
    """The dispatcher asks another department to assist with an open report (联办): it sees the
    report in its API list, comments and attaches evidence; its webhook is told."""
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        if not row.is_open:
            raise workflow.IllegalTransition(
                _("Assisting departments can be added only while the report is open."),
                code="report_closed",
            )
        _partner_check(row, department, field="department")
        if row.department_id == department.pk:
            raise TransferInvalid(
                _("This department leads the report already."),
                code="already_lead",
                fields={"department": [_("This department leads the report already.")]},
            )
        if row.assists.filter(department=department).exists():
            raise workflow.IllegalTransition(
                _("This department assists with the report already."), code="already_assisting"
            )
        assist = ReportAssist.objects.create(report=row, department=department, added_by=by)
        ReportEvent.objects.create(
            report=row,
            kind=ReportEvent.Kind.ASSIST_ADDED,
            actor=by,
            department=department,
            from_status=row.status,
            to_status=row.status,
            note_kind=messages.ASSIST_ADDED.kind,
            params={"department": names(department)},
            public=False,
        )
        publish(ReportAssistAdded(report_id=row.pk, department_id=department.pk))
    return assist


def assist_remove(*, report: Report, department: Department, by: User | None) -> None:
    """The dispatcher takes an assisting department off a report: it no longer sees it."""
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        removed, _rows = ReportAssist.objects.filter(report=row, department=department).delete()
        if not removed:
            raise workflow.IllegalTransition(
                _("This department does not assist with the report."), code="not_assisting"
            )
        ReportEvent.objects.create(
            report=row,
            kind=ReportEvent.Kind.ASSIST_REMOVED,
            actor=by,
            department=department,
            from_status=row.status,
            to_status=row.status,
            note_kind=messages.ASSIST_REMOVED.kind,
            params={"department": names(department)},
            public=False,
        )


def report_evidence_add(
    *,
    report: Report,
    department: Department,
    photo: "UploadedFile[bytes]",
    actor: User | None = None,
) -> EvidencePhoto:
    """A photo from the lead or an assisting department while the report is worked on. The
    lead's resolution counts only its own photos of this round (workflow.resolve)."""
    processed = process_photo(photo)  # before the transaction: a bad photo writes nothing
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        if not _works_on(row, department):
            raise workflow.IllegalTransition(
                _("This report is not assigned to your department."), code="not_your_report"
            )
        if row.status not in workflow.WORKING:
            raise workflow.IllegalTransition(
                _("Evidence can be added only while the report is being worked on."),
                code="illegal_transition",
            )
        evidence = EvidencePhoto.objects.create(
            report=row,
            department=department,
            image=processed.image,
            thumbnail=processed.thumbnail,
        )
        photo_redaction_queue(photo=evidence)
        return evidence


# --- Assignment to an officer (the workbench, issue 15) ----------------------------------------


def officer_display_name(user: User) -> str:
    """How an officer is named to the team: the full name, else the username."""
    return user.get_full_name() or user.get_username()


def report_assign(*, report: Report, assignee: User | None, by: User) -> Report:
    """Give an open report of a department to one of its active officers (None: to nobody).

    A head assigns anyone of the team; another officer only takes a report for themselves
    (or gives back their own). The same assignee again changes nothing and writes no event, so
    a double submit is harmless. The timeline line is internal (the rider's business is the
    department, not which officer)."""
    with transaction.atomic():
        row = workflow.lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        actor = (
            Officer.objects.filter(user=by, is_active=True, department_id=row.department_id).first()
            if row.department_id is not None
            else None
        )
        if actor is None:
            raise DomainError(
                _("Only an officer of the lead department assigns this report."),
                code="not_lead",
            )
        if not row.is_open:
            raise DomainError(_("Only an open report can be assigned."), code="report_closed")
        if (
            assignee is not None
            and not Officer.objects.filter(
                user=assignee, is_active=True, department_id=actor.department_id
            ).exists()
        ):
            raise DomainError(
                _("Assign the report to an active officer of its department."),
                code="assignee_invalid",
            )
        # Not a head: take a report nobody has, or give back one's own; nothing else.
        touched = {assignee.pk if assignee else None, row.assignee_id} - {by.pk, None}
        if not actor.is_head and touched:
            raise DomainError(
                _("Only the department head assigns reports to other officers."),
                code="not_head",
            )
        if row.assignee_id == (assignee.pk if assignee else None):
            return row
        row.assignee = assignee
        row.save(update_fields=["assignee", "updated_at"])
        ReportEvent.objects.create(
            report=row,
            kind=ReportEvent.Kind.ASSIGNED,
            actor=by,
            department=row.department,
            from_status=row.status,
            to_status=row.status,
            note_kind=(messages.ASSIGNED if assignee else messages.UNASSIGNED).kind,
            params={"assignee": officer_display_name(assignee)} if assignee else {},
            public=False,
        )
    return row


# --- The workbench's sign-in code by SMS --------------------------------------------------
class OfficerSMSRefused(DomainError):
    code = "officer_sms_refused"


def officer_sms_code_send(*, officer: Officer, client_ip: str) -> str:
    """Text a new one-time code to the officer's mobile, the second factor of the workbench's
    sign-in when they have no authenticator app at hand (desk/views.py). Returns the masked
    number it went to. Refused (OfficerSMSRefused) without a mobile on file, within a minute of
    the last code (the device's cooldown), or when the site's SMS budget is spent. The code is
    stored by django-otp for its life only and never logged."""
    # An encrypted CharField: its stub type is the field, its value a str or None.
    phone: str | None = officer.phone
    if not phone:
        raise OfficerSMSRefused(
            _("No mobile number is on file for you: sign in with your authenticator app."),
            code="no_phone",
        )
    sender = get_sms_sender()  # a sender that refuses to run does so before any code
    with transaction.atomic():
        device, _created = OfficerSMSDevice.objects.get_or_create(
            user=officer.user, defaults={"name": "SMS", "confirmed": True}
        )
        device = OfficerSMSDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = device.generate_is_allowed()
        if not allowed:
            wait = (details["next_generation_at"] - timezone.now()).total_seconds()
            raise OfficerSMSRefused(
                _("A code was sent less than a minute ago. Wait %(seconds)d seconds.")
                % {"seconds": max(1, int(wait) + 1)},
                code="resend_too_soon",
            )
        budget_refusal: SignInThrottled | None = None
        log_id = 0
        try:
            with transaction.atomic():
                sms_budget_take(client_ip=client_ip)
        except SignInThrottled as refused:
            budget_refusal = refused
        else:
            device.generate_token(valid_secs=settings.SIGN_IN_CODE_TTL_SECONDS, commit=False)
            device.throttle_reset(commit=False)  # each new code gets its own tries
            device.cooldown_set(commit=False)
            device.save()
            # The SMS row commits with the code (riders/sms_outbox.py: it holds neither the
            # code nor the number in clear once sent) and is not worth sending after it expires.
            log_id = sms_create(
                phone=phone,
                kind=OFFICER_SIGN_IN_CODE.name,
                params={"code": device.token, "minutes": settings.SIGN_IN_CODE_TTL_SECONDS // 60},
                language=officer.user.language or settings.LANGUAGE_CODE,
                expires_at=device.valid_until,
                gateway=sender.gateway,
            ).pk
    if budget_refusal is not None:
        sms_budget_alert()  # after the transaction, so the alert is not rolled back with it
        raise OfficerSMSRefused(budget_refusal.message, code=budget_refusal.code)
    # From this request, as a rider's sign-in code: the officer is waiting for it; a transient
    # failure is retried by the worker, a lost one by the outbox's sweep.
    sms_send_now(log_id=log_id, sender=sender)
    return mask_phone(phone)


def officer_sms_code_verify(*, officer: Officer, token: str) -> OfficerSMSDevice:
    """Check the texted code; the device, for the session's mark (core.staff_auth). Wrong,
    used or expired codes, and tries while throttled, are refused with OfficerSMSRefused."""
    with transaction.atomic():
        device = OfficerSMSDevice.objects.select_for_update().filter(user=officer.user).first()
        if device is None:
            raise OfficerSMSRefused(_("Ask for a code first."), code="no_code")
        allowed, details = device.verify_is_allowed()
        if not allowed:
            refusal = _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {
                "seconds": max(1, _throttle_wait(device, details))
            }
        elif device.verify_token(token):
            return cast(OfficerSMSDevice, device)  # django-otp's managers are untyped
        else:
            refusal = _(
                "That code is wrong, expired or was already used. Enter the code of the last "
                "SMS, or ask for a new one."
            )
    # Outside the atomic block: the failure count the device just saved is committed.
    raise OfficerSMSRefused(refusal, code="wrong_code")


def _throttle_wait(device: OfficerSMSDevice, details: dict[str, Any] | None) -> int:
    failures = int((details or {}).get("failure_count") or device.throttling_failure_count)
    if device.throttling_failure_timestamp is None:
        return 1
    delay = device.get_throttle_factor() * (2 ** (failures - 1))
    waited = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return int(delay - waited) + 1


# --- Bystanders blurred in photos (issue 20, PIPL) --------------------------------------------
# Report and evidence photos get a blurred copy (core/redaction.py) made by a task queued on
# upload; everyone but the reporter and the dispatcher is served only that copy.

# The rider's answers carry photos of the street too: their checks of a fix (FixAnswer) and
# their answers to a department's question (ReportQuestion); both are read by departments.
Redactable = ReportPhoto | EvidencePhoto | FixAnswer | ReportQuestion
REDACTED_MODELS: dict[str, type[Redactable]] = {
    "report": ReportPhoto,
    "evidence": EvidencePhoto,
    "answer": FixAnswer,
    "question": ReportQuestion,
}
# When each was uploaded, for the sweep's grace period.
UPLOADED_AT = {
    "report": "report__created_at",
    "evidence": "created_at",
    "answer": "created_at",
    "question": "answered_at",
}
# A photo whose blurred copy the task has not made after this long is queued again (a lost
# message, a worker that died): the sweep is the safety net, the upload's task the fast path.
REDACTION_SWEEP_GRACE = dt.timedelta(minutes=2)
REDACTION_SWEEP_BATCH = 200


class RedactionError(DomainError):
    code = "redaction_invalid"


def _photo_kind(photo: Redactable) -> str:
    return next(kind for kind, model in REDACTED_MODELS.items() if isinstance(photo, model))


def photo_redaction_queue(*, photo: Redactable) -> None:
    """Queue the making of the photo's blurred copy once the upload's transaction commits."""
    from .tasks import redact_photo

    enqueue_on_commit(redact_photo, _photo_kind(photo), photo.pk)


def _write_redacted(
    photo: Redactable, boxes: list[redaction.Box], *, now: dt.datetime
) -> list[str]:
    """Blur the original with `boxes` into new redacted files on the (locked) row; returns the
    names of the files it replaced, to delete after commit."""
    with photo.original.open("rb") as handle:
        original = handle.read()
    blurred = redaction.redact_jpeg(original, boxes)
    thumbnail = redaction.thumbnail_jpeg(blurred, THUMBNAIL_SIDE)
    replaced = [name for name in (photo.redacted.name, photo.redacted_thumbnail.name) if name]
    photo.redacted.save("redacted.jpg", ContentFile(blurred), save=False)
    photo.redacted_thumbnail.save("redacted-thumb.jpg", ContentFile(thumbnail), save=False)
    photo.redaction_boxes = [box.as_dict() for box in boxes]
    photo.redacted_at = now
    photo.save(update_fields=["redacted", "redacted_thumbnail", "redaction_boxes", "redacted_at"])
    return replaced


def _delete_files_on_commit(storage: Storage, names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)


def photo_redact(*, kind: str, photo_id: int) -> bool:
    """Detect faces and plates in one photo and write its blurred copy. Idempotent: a photo
    that has its copy already (or no original left) is left alone; False then. The detection
    (a second or two of CPU) runs before the row is locked, so a long detection never holds a
    lock; the row is then re-read under lock and written only if nobody did it meanwhile."""
    model = REDACTED_MODELS[kind]
    photo = model.objects.filter(pk=photo_id).first()
    if photo is None or photo.redacted_at is not None or not photo.original:
        return False
    with photo.original.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    boxes = redaction.detect(image)
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=photo_id).first()
        if row is None or row.redacted_at is not None or not row.original:
            return False
        replaced = _write_redacted(row, boxes, now=timezone.now())
        _delete_files_on_commit(row.redacted.storage, replaced)
    logger.info("photo_redacted kind=%s id=%s boxes=%d", kind, photo_id, len(boxes))
    return True


def photo_redaction_boxes_set(
    *, photo: Redactable, boxes: list[dict[str, Any]], actor: User | None = None
) -> Redactable:
    """The dispatcher's "redact region": the photo's regions become `boxes` (the detector's
    that were kept plus the ones drawn), and the blurred copy is rebuilt from the original now.
    Boxes are fractions 0–1 of the photo; each must be at least a little bigger than nothing.
    Recorded by the audit trail (settings.AUDITLOG_INCLUDE_TRACKING_MODELS)."""
    parsed: list[redaction.Box] = []
    for data in boxes:
        try:
            box = redaction.Box.from_dict(data)
        except (KeyError, TypeError, ValueError):
            raise RedactionError(_("A region to blur is not a valid rectangle.")) from None
        if box.w < 0.005 or box.h < 0.005:
            raise RedactionError(_("A region to blur is too small; draw a larger rectangle."))
        parsed.append(box)
    if len(parsed) > 100:
        raise RedactionError(_("Blur at most 100 regions in one photo."))
    model = type(photo)
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=photo.pk)
        if not row.original:
            raise RedactionError(
                _(
                    "The original of this photo was deleted under the retention rule; its "
                    "blurred regions can no longer be changed."
                ),
                code="redaction_original_deleted",
            )
        replaced = _write_redacted(row, parsed, now=timezone.now())
        _delete_files_on_commit(row.redacted.storage, replaced)
    logger.info(
        "photo_redaction_edited kind=%s id=%s boxes=%d actor=%s",
        _photo_kind(row),
        row.pk,
        len(parsed),
        actor.pk if actor else None,
    )
    return row


def photos_unredacted_requeue(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: photos still without a blurred copy a while after upload get their task
    queued again. Idempotent (the task is); returns how many were queued."""
    from .tasks import redact_photo

    now = now or timezone.now()
    before = now - REDACTION_SWEEP_GRACE
    queued = 0
    for kind, model in REDACTED_MODELS.items():
        ids = list(
            model.objects.filter(**{f"{UPLOADED_AT[kind]}__lt": before, "redacted_at": None})
            .exclude(**{model.ORIGINAL: ""})
            .order_by("pk")
            .values_list("pk", flat=True)[:REDACTION_SWEEP_BATCH]
        )
        for pk in ids:
            enqueue_on_commit(redact_photo, kind, pk)
        queued += len(ids)
    return queued


# Reports past these can no longer be reopened; a resolved one still can (the rider's check).
PHOTO_RETENTION_STATUSES = (
    ReportStatus.CONFIRMED,
    ReportStatus.CLOSED,
    ReportStatus.INVALID,
    ReportStatus.DUPLICATE,
)


def report_photo_originals_expire(now: dt.datetime | None = None) -> int:
    """Retention of originals (docs/privacy.md): photos (the reporter's, the departments'
    evidence, the riders' answers to checks and questions) of reports closed more than
    RETENTION_REPORT_PHOTO_ORIGINALS_DAYS ago lose their original and its thumbnail; the
    blurred copy stays and is what everyone, the reporter too, sees from then on. A photo
    without its blurred copy yet gets it first (never a photo with nothing left). Idempotent:
    a photo whose original is gone is not selected again. Returns how many photos lost their
    original."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.RETENTION_REPORT_PHOTO_ORIGINALS_DAYS)
    expired = 0
    for kind, model in REDACTED_MODELS.items():
        ids = list(
            model.objects.filter(
                report__status__in=PHOTO_RETENTION_STATUSES, report__closed_at__lt=cutoff
            )
            .exclude(**{model.ORIGINAL: ""})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk in ids:
            photo_redact(kind=kind, photo_id=pk)  # no-op when the copy exists
            with transaction.atomic():
                row = model.objects.select_for_update().filter(pk=pk).first()
                if row is None or not row.original or row.redacted_at is None:
                    continue
                storage = row.original.storage
                names = [name for name in (row.original.name, row.thumbnail.name) if name]
                row.original.name, row.thumbnail.name = "", ""  # the files go after commit
                row.original_deleted_at = now
                row.save(update_fields=[row.ORIGINAL, "thumbnail", "original_deleted_at"])
                _delete_files_on_commit(storage, names)
            expired += 1
    if expired:
        logger.info("photo_originals_expired count=%d", expired)
    return expired
