"""The report state machine: the only code that changes a report's status.

    submitted ──route──▶ routed ──acknowledge──▶ acknowledged ──resolve──▶ resolved
        │                  │  ╲                     │                      │
        │                  │   ╲──resolve──▶        └──reject──▶ rejected  │ the rider checks
        ├─to_dispatcher─▶ dispatch ◀────────────────────────────────┘      │ (72 h, else yes)
        │                  │                          ┌─────confirm────────┤──▶ confirmed
        │     dispatch / rejected ──route──▶ routed   │  reopen (1st time)─┤──▶ reopened ─▶ …
        │     dispatch / rejected ──close_invalid──▶ invalid  supervise ───┘──▶ supervision
        └──duplicate──▶ duplicate  (any open report)     supervision ──redo──▶ reopened
                                                         supervision ──route / close / close_invalid

The closed loop (闭环, issue 14): a department's resolution is not the end. The rider is asked
"is it fixed?"; "fixed" (or no answer in REPORT_CHECK_HOURS) confirms it, "not fixed" reopens
it to the same department with a new deadline and a raised escalation level, and a second
"not fixed" sends it to the dispatcher for supervision (督办), who orders it redone, routes it
elsewhere, or closes it with a reason the rider reads.

Validation is not a status: confirming the fix validates the report, and a dispatcher may
validate any report that is not invalid or a duplicate. A validated report earns its rider the
category's rewards (the rewards app, told by the ReportValidated event) and can no longer be
closed as invalid or marked a duplicate.

The state machine is its table (STYLE.md 15): TRANSITIONS maps each name to its source
statuses, its target status and its timeline kind, and `transition()` is the one function that
changes a status. It locks the row (or takes the row its caller locked, saying so with
`locked=True`), checks the table, runs the named transition's own rule, sets the status from
the table, writes one timeline event, notifies the riders and publishes the domain events
(governance/events.py), all in one transaction. A transition that is not allowed from the
current status raises IllegalTransition (HTTP 409 in the API).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.events import publish
from core.messages import Message, Params, names
from core.models import District, User
from core.prepared import PreparedModels
from core.services import notification_post
from riders.notify import SMSNotice, rider_notify

from . import routing
from .events import ReportStatusChanged, ReportUrgent, ReportValidated
from .messages import (
    CHECK_ANSWERED,
    CHECK_NOT_ANSWERED,
    DUPLICATE_OF,
    REJECTED_BECAUSE,
    STATUS_CHANGED,
)
from .models import (
    OPEN_STATUSES,
    QUESTIONS_PER_REPORT,
    Department,
    Priority,
    Report,
    ReportEvent,
    ReportQuestion,
    ReportStatus,
    ReportSupporter,
)

S = ReportStatus
K = ReportEvent.Kind

# Pre-breach warning once this share of the closure time is used (amber in the dispatch queue).
WARNING_SHARE = 0.75


class IllegalTransition(DomainError):
    code = "illegal_transition"


class ResolutionIncomplete(DomainError):
    """A resolution short of the category's minimum: `fields` says what is missing (the API
    answers 422 with them)."""

    code = "resolution_incomplete"

    def __init__(self, message: str, *, fields: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.fields = fields


class Transition(NamedTuple):
    sources: tuple[str, ...]  # the statuses it may start from
    target: str | None  # the status it sets; None: the status stays (validation)
    kind: str  # the timeline event it writes
    validates: bool = False  # it validates the report (the rider earns the rewards)
    refused_code: str = IllegalTransition.code  # the error code when the table refuses it
    refused_message: Any = None  # its own refusal (lazy, with %(status)s), else the generic one
    public: bool = True  # its timeline line is shown to the rider (and on Open311)


VALIDATABLE = (*OPEN_STATUSES, S.RESOLVED, S.CLOSED)
# With the department, its clock running or (waiting) paused: it may resolve, reject or be
# re-routed from any of them.
WORKING = (S.ROUTED, S.ACKNOWLEDGED, S.REOPENED, S.WAITING)
# Where a department may ask the rider a question (not while one is open).
ASKABLE = (S.ROUTED, S.ACKNOWLEDGED, S.REOPENED)

TRANSITIONS: dict[str, Transition] = {
    "route": Transition(
        (S.SUBMITTED, S.WITH_DISPATCHER, S.REJECTED, S.SUPERVISION), S.ROUTED, K.ROUTED
    ),
    "reroute": Transition(WORKING, S.ROUTED, K.ROUTED),
    "to_dispatcher": Transition((S.SUBMITTED,), S.WITH_DISPATCHER, K.TO_DISPATCHER),
    "acknowledge": Transition((S.ROUTED, S.REOPENED), S.ACKNOWLEDGED, K.ACKNOWLEDGED),
    "resolve": Transition(WORKING, S.RESOLVED, K.RESOLVED),
    "reject": Transition(WORKING, S.REJECTED, K.REJECTED),
    # Working the report (issue 14): a question to the rider pauses the clock; the answer, or
    # its timeout, resumes it. The transfer (转办) approved is a re-route with its own line;
    # the priority is changed in place.
    "ask": Transition(ASKABLE, S.WAITING, K.ASKED),
    "answer": Transition((S.WAITING,), S.ACKNOWLEDGED, K.RIDER_ANSWERED),
    "answer_timeout": Transition((S.WAITING,), S.ACKNOWLEDGED, K.QUESTION_EXPIRED),
    "transfer": Transition(WORKING, S.ROUTED, K.TRANSFERRED),
    # The centre's triage: the rider and Open311 do not see it (docs/decisions.md).
    "prioritise": Transition(tuple(OPEN_STATUSES), None, K.PRIORITY, public=False),
    # The rider's check (or its default), FixAnswer in governance/services.py.
    "confirm": Transition((S.RESOLVED,), S.CONFIRMED, K.CONFIRMED, validates=True),
    "reopen": Transition((S.RESOLVED,), S.REOPENED, K.REOPENED),
    "supervise": Transition((S.RESOLVED,), S.SUPERVISION, K.SUPERVISION),
    # The dispatcher's answers to supervision (besides route and close_invalid).
    "redo": Transition((S.SUPERVISION,), S.REOPENED, K.REDO),
    "close": Transition((S.SUPERVISION,), S.CLOSED, K.CLOSED),
    "close_invalid": Transition(
        (S.WITH_DISPATCHER, S.REJECTED, S.SUBMITTED, S.SUPERVISION), S.INVALID, K.CLOSED_INVALID
    ),
    "duplicate": Transition(tuple(OPEN_STATUSES), S.DUPLICATE, K.DUPLICATE),
    "validate": Transition(
        VALIDATABLE,
        None,
        K.VALIDATED,
        validates=True,
        refused_code="not_validatable",
        refused_message=gettext_lazy("A report that is “%(status)s” cannot be validated."),
    ),
}

# The fields a transition may change; saving only the ones it changed keeps the UPDATE small
# and never overwrites a concurrent edit of anything else.
WORKFLOW_FIELDS = frozenset(
    {
        "status",
        "department",
        "routed_at",
        "due_at",
        "acknowledged_at",
        "closed_at",
        "is_overdue",
        "escalation_level",
        "warned_at",
        "next_check_at",
        "duplicate_of",
        "reply",
        "verify_by",
        "reopen_count",
        "validated_at",
        "priority",
        "paused_at",
        "updated_at",
    }
)

# A named transition's own rule: runs on the locked row (and the transition's one `now`) after
# the table allowed the transition, raises to refuse it, and returns the fields it sets that
# depend on the row or the time.
Rule = Callable[[Report, dt.datetime], dict[str, Any] | None]


LOCK_RELATED = ("rider__user", "department", "category", "district")


def lock_report(report_id: int, *, related: tuple[str, ...] = LOCK_RELATED) -> Report | None:
    """Load and lock a report for a transition (inside transaction.atomic()), with the
    relations a transition reads (`related`: fewer where the caller knows it needs less).

    It also says whether anyone joined the report (`has_supporters`), so that a transition of
    a report nobody joined spends no query looking for riders to tell. Joining locks the row
    first (report_join), so the answer holds for the transaction."""
    found = _LOCKED.objects(related, report_id=report_id)
    return found[0] if found else None


# Every transition's first statement, and routing's largest cost when the ORM built it each
# time: compiled once per set of relations (core/prepared.py).
_LOCKED = PreparedModels(
    lambda related, report_id: (
        Report.objects.select_for_update(of=("self",))
        .select_related(*related)
        .annotate(has_supporters=Exists(ReportSupporter.objects.filter(report=OuterRef("pk"))))
        .filter(pk=report_id)
        .order_by("pk")[:1]
    ),
    report_id=int,
)


def _action_label(transition: str) -> str:
    return {
        "route": _("routed"),
        "reroute": _("re-routed"),
        "to_dispatcher": _("passed to the dispatcher"),
        "acknowledge": _("acknowledged"),
        "resolve": _("resolved"),
        "reject": _("rejected"),
        "close_invalid": _("closed as invalid"),
        "duplicate": _("marked as a duplicate"),
        "confirm": _("confirmed as fixed"),
        "reopen": _("reopened"),
        "supervise": _("sent for supervision"),
        "redo": _("ordered redone"),
        "close": _("closed"),
        "ask": _("asked a question"),
        "answer": _("answered"),
        "answer_timeout": _("resumed"),
        "transfer": _("transferred"),
        "prioritise": _("given another priority"),
    }[transition]


def transition(
    report: Report,
    name: str,
    *,
    by: User | None = None,
    locked: bool = False,
    rule: Rule | None = None,
    note: str = "",
    system_note: Message | None = None,
    note_params: Params | Callable[[Report], Params] | None = None,
    event_department: Department | None = None,
    **fields: Any,
) -> Report:
    """Apply the transition `name` of TRANSITIONS to the report and return the updated row.

    `locked=True` says the caller locked `report` itself (lock_report) in the transaction it
    holds; otherwise the row is locked here. The table is checked first, then `rule` (the
    named transition's own rule) may refuse or add fields; then the status is set from the
    table with `fields`, saved, one timeline event written (by `by`, with `event_department`,
    the `system_note` with `note_params` — or `note_params(row)` — rendered when read, and the
    `note` a person typed), the riders notified and ReportStatusChanged / ReportValidated
    published inside the transaction (core/events.py).
    """
    spec = TRANSITIONS[name]
    # A caller that locked the row holds the transaction and lets any error roll all of it
    # back, so no savepoint is needed.
    with transaction.atomic(savepoint=not locked):
        row = report if locked else lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        if row.status not in spec.sources:
            if spec.refused_message is not None:
                message = spec.refused_message % {"status": row.get_status_display()}
            else:
                message = _("A report that is “%(status)s” cannot be %(action)s.") % {
                    "status": row.get_status_display(),
                    "action": _action_label(name),
                }
            raise IllegalTransition(message, code=spec.refused_code)
        now = timezone.now()
        before = row.status
        was_urgent = row.priority == Priority.URGENT
        if before == S.WAITING and spec.target not in (None, S.WAITING):
            # Leaving `waiting` by any way: the clock resumes (the deadline moves on by the
            # pause) and an unanswered question is closed. The rule may still set its own.
            fields = {**_clock_resumed(row, now), **fields}
            ReportQuestion.objects.filter(
                report=row, answered_at__isnull=True, closed_at__isnull=True
            ).update(closed_at=now)
        if rule is not None:
            fields = {**fields, **(rule(row, now) or {})}
        if spec.target is not None:
            fields["status"] = spec.target
        newly_validated = spec.validates and row.validated_at is None
        if newly_validated:
            fields["validated_at"] = now
        unknown = set(fields) - WORKFLOW_FIELDS
        if unknown:
            raise ValueError(f"A transition cannot set {sorted(unknown)}")
        for field, value in fields.items():
            setattr(row, field, value)
        row.save(update_fields=[*fields, "updated_at"])
        ReportEvent.objects.create(
            report=row,
            kind=spec.kind,
            actor=by,
            department=event_department,
            from_status=before,
            to_status=row.status,
            note_kind=system_note.kind if system_note else "",
            params=(note_params(row) if callable(note_params) else note_params) or {},
            note=note,
            public=spec.public,
        )
        if spec.target is not None:
            _notify_rider(row)
        # The award is queued first, as before the events: rewards, then webhooks.
        if newly_validated:
            publish(ReportValidated(report_id=row.pk))
        if spec.target is not None:
            publish(
                ReportStatusChanged(
                    report_id=row.pk, transition=name, from_status=before, to_status=row.status
                )
            )
        if _pages(name, row, was_urgent):
            publish(ReportUrgent(report_id=row.pk, department_id=row.department_id))
    return row


# The transitions that hand a report to a department's hands: an urgent one pages it.
HANDS_OVER = frozenset({"route", "reroute", "transfer", "reopen", "redo"})


def _pages(name: str, row: Report, was_urgent: bool) -> bool:
    if row.priority != Priority.URGENT or row.department_id is None:
        return False
    if name == "prioritise":
        return not was_urgent and row.status in WORKING
    return name in HANDS_OVER


def _refuse_if_validated(report: Report, transition: str) -> None:
    if report.validated_at is not None:
        raise IllegalTransition(
            _("A validated report cannot be %(action)s: its rider was rewarded for it.")
            % {"action": _action_label(transition)},
            code="report_validated",
        )


# What a reopened report can come to: fixed again (the rider checks it once more), or closed by
# the service centre after supervision.
REOPENED_OUTCOMES = frozenset({S.RESOLVED, S.CLOSED, S.INVALID})


def _notify_rider(report: Report) -> None:
    """Tell the reporter, and the riders who joined the report, about its new status."""
    message = STATUS_CHANGED.get(report.status)
    if message is None:
        return
    params = {
        "id": report.public_id,
        # Both names: the reader reads the department in their own language.
        "department": names(report.department) if report.department_id else "",
        "original": report.duplicate_of.public_id if report.duplicate_of_id else "",
    }
    link = f"/reports/{report.public_id}/"
    # The reporter: by SMS too when this is the outcome of a report they reopened — they said
    # "not fixed" and are waiting for it (riders/notify.py decides whether the SMS goes).
    sms = None
    if report.reopen_count and report.status in REOPENED_OUTCOMES:
        sms = SMSNotice("report_reopened", {"report": report.public_id})
    rider_notify(rider=report.rider, message=message, params=params, link=link, sms=sms)
    if not getattr(report, "has_supporters", True):  # lock_report looked: nobody joined
        return
    for supporter in report.supporters.select_related("rider__user"):
        notification_post(recipient=supporter.rider.user, message=message, params=params, link=link)


def deadline_for(routed_at: dt.datetime, closure_hours: int) -> dt.datetime:
    return routed_at + dt.timedelta(hours=closure_hours)


def _clock_started(report: Report, now: dt.datetime) -> dict[str, Any]:
    # The city's own deadline for the category, if it set one (CityCategory).
    hours = routing.hours_for(report.category, report.priority, report.district_id)
    return {
        "routed_at": now,
        "due_at": deadline_for(now, hours),
        "is_overdue": False,
        "escalation_level": 0,
        "warned_at": None,
        "next_check_at": now + dt.timedelta(hours=hours * WARNING_SHARE),
    }


def next_check(
    *,
    routed_at: dt.datetime,
    due_at: dt.datetime,
    warned: bool,
    overdue: bool,
    escalation_level: int,
) -> dt.datetime | None:
    """When the deadline sweep must next look at a report whose clock runs: the warning point,
    the deadline, twice the deadline, or never (already escalated)."""
    if overdue:
        return due_at + (due_at - routed_at) if escalation_level < 2 else None
    if warned:
        return due_at
    return routed_at + (due_at - routed_at) * WARNING_SHARE


def _clock_resumed(report: Report, now: dt.datetime) -> dict[str, Any]:
    """The clock paused for a question runs again: the deadline moves on by the pause."""
    due_at = report.due_at + (now - report.paused_at)
    return {
        "paused_at": None,
        "due_at": due_at,
        "next_check_at": next_check(
            routed_at=report.routed_at,
            due_at=due_at,
            warned=report.warned_at is not None,
            overdue=report.is_overdue,
            escalation_level=report.escalation_level,
        ),
    }


# Closed or back with the dispatcher: nothing for the deadline sweep to watch.
CLOCK_STOPPED = {"next_check_at": None}


def _check_department(report: Report, department: Department) -> None:
    if report.department_id != department.pk:
        # Callers scope their queries by department; this is the last line of defence.
        raise IllegalTransition(
            _("This report is not assigned to your department."), code="not_your_report"
        )


def report_city_id(report: Report) -> int:
    """The report's city, from the routing table (no query) or, for a district newer than the
    table, from the database."""
    city_id = routing.table().city_of(report.district_id)
    if city_id is None:
        city_id = District.objects.values_list("city_id", flat=True).get(pk=report.district_id)
    return city_id


def city_check(report: Report, department: Department) -> None:
    """A report's department is of the report's city, whoever sends it there (routing, the
    dispatcher, a transfer): the last line of defence of issue 19."""
    if department.city_id != report_city_id(report):
        raise IllegalTransition(
            _("This department works in another city: it cannot take this report."),
            code="department_other_city",
        )


def _in_city_and_clock_started(department: Department) -> Rule:
    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        city_check(row, department)
        return _clock_started(row, now)

    return rule


def route(
    report: Report,
    *,
    department: Department,
    actor: User | None = None,
    note: str = "",
    locked: bool = False,
) -> Report:
    """Send the report to a department and start its closure clock (first routing or re-route)."""
    name = "reroute" if report.status in WORKING else "route"
    return transition(
        report,
        name,
        by=actor,
        locked=locked,
        rule=_in_city_and_clock_started(department),
        note=note,
        event_department=department,
        department=department,
        acknowledged_at=None,
    )


def to_dispatcher(
    report: Report, *, system_note: Message | None = None, locked: bool = False
) -> Report:
    """No routing rule matched: the dispatcher decides."""
    return transition(
        report,
        "to_dispatcher",
        locked=locked,
        system_note=system_note,
        department=None,
        **CLOCK_STOPPED,
    )


def acknowledge(
    report: Report, *, department: Department, actor: User | None = None, note: str = ""
) -> Report:
    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        _check_department(row, department)
        return {"acknowledged_at": now}

    return transition(
        report,
        "acknowledge",
        by=actor,
        rule=rule,
        note=note,
        event_department=department,
    )


def resolution_check(report: Report, *, reply: str, with_evidence: bool) -> None:
    """The category's minimum for a resolution: a reply of `min_reply_chars`, and an evidence
    photo where the category asks for one (a fire lane, a stairwell)."""
    category = report.category
    missing: dict[str, list[str]] = {}
    if len(reply.strip()) < category.min_reply_chars:
        missing["note"] = [
            _("Say what was done in at least %(count)d characters: the rider reads it.")
            % {"count": category.min_reply_chars}
        ]
    if category.evidence_required and not with_evidence:
        missing["photo"] = [
            _("“%(category)s” needs a photo of the fixed problem.")
            % {"category": category.display_name}
        ]
    if missing:
        raise ResolutionIncomplete(
            _("The resolution does not meet this category's minimum."), fields=missing
        )


def resolve(
    report: Report,
    *,
    department: Department,
    reply: str,
    actor: User | None = None,
    with_evidence: bool = False,
) -> Report:
    """The department fixed it and says how; the reply is what the rider reads, who is then
    asked to check the fix (confirm / reopen). `with_evidence`: a photo comes with it."""
    if not reply.strip():
        raise DomainError(
            _("Say what was done: the reply is shown to the rider."), code="reply_required"
        )

    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        _check_department(row, department)
        # Evidence of this round only: a photo from before a reopen shows what the rider
        # said was not fixed.
        has_evidence = (
            with_evidence
            or row.evidence.filter(department=department, created_at__gte=row.routed_at).exists()
        )
        resolution_check(row, reply=reply, with_evidence=has_evidence)
        return {
            "closed_at": now,
            # The first action counts as the first response, even a direct resolve.
            "acknowledged_at": row.acknowledged_at or now,
            "verify_by": now + dt.timedelta(hours=settings.REPORT_CHECK_HOURS),
        }

    return transition(
        report,
        "resolve",
        by=actor,
        rule=rule,
        note=reply.strip(),
        event_department=department,
        reply=reply.strip(),
        **CLOCK_STOPPED,
    )


def reject(
    report: Report,
    *,
    department: Department,
    reason: str = "",
    grounds: str = "",
    actor: User | None = None,
) -> Report:
    """Not valid or not ours: back to the dispatcher, who re-routes or closes it.

    `grounds` is one of REJECTED_BECAUSE (governance/messages.py), rendered for each reader;
    `reason` the department's own words.
    """
    return transition(
        report,
        "reject",
        by=actor,
        rule=lambda row, _now: _check_department(row, department),
        note=reason,
        system_note=REJECTED_BECAUSE[grounds] if grounds else None,
        event_department=department,
        **CLOCK_STOPPED,
    )


def close_invalid(report: Report, *, actor: User | None, reason: str) -> Report:
    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        _refuse_if_validated(row, "close_invalid")
        return {"closed_at": now}

    return transition(
        report,
        "close_invalid",
        by=actor,
        rule=rule,
        note=reason,
        **CLOCK_STOPPED,
    )


def mark_duplicate(
    report: Report, *, original: Report, actor: User | None = None, locked: bool = False
) -> Report:
    """Link the report to the earlier open report of the same problem; it is not routed again."""
    if original.pk == report.pk:
        raise IllegalTransition(
            _("A report cannot be a duplicate of itself."), code="duplicate_self"
        )

    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        _refuse_if_validated(row, "duplicate")
        # Follow the chain so every duplicate points at the first report.
        first = Report.objects.get(pk=original.pk)
        while first.duplicate_of_id:
            first = Report.objects.get(pk=first.duplicate_of_id)
        if first.pk == row.pk:
            raise IllegalTransition(
                _("A report cannot be a duplicate of itself."), code="duplicate_self"
            )
        return {"duplicate_of": first, "closed_at": now}

    return transition(
        report,
        "duplicate",
        by=actor,
        locked=locked,
        rule=rule,
        system_note=DUPLICATE_OF,
        note_params=lambda row: {"original": row.duplicate_of.public_id},
        **CLOCK_STOPPED,
    )


def validate(report: Report, *, actor: User | None, note: str = "") -> Report:
    """A dispatcher confirms by hand that the problem was real: the rider earns the reward.

    The status does not change (the table's target is None); the department keeps working an
    open report as before.
    """

    def rule(row: Report, _now: dt.datetime) -> None:
        if row.validated_at is not None:
            raise IllegalTransition(
                _("This report is already validated."), code="already_validated"
            )

    return transition(report, "validate", by=actor, rule=rule, note=note)


# --- The closed loop (闭环): the rider's check, reopening, supervision ------------------------


def _clock_restarted(report: Report, now: dt.datetime) -> dict[str, Any]:
    """Back to the same department with a new deadline and a raised escalation level."""
    return {
        **_clock_started(report, now),
        "escalation_level": max(report.escalation_level, 1),
        "closed_at": None,
        "verify_by": None,
    }


def _rider_said(said: Params | None) -> dict[str, Any]:
    # The rider's check on the step's timeline line: codes, rendered for each reader.
    return {"system_note": CHECK_ANSWERED, "note_params": said} if said else {}


def confirm(
    report: Report,
    *,
    locked: bool = False,
    by_default: bool = False,
    note: str = "",
    said: Params | None = None,
    by: User | None = None,
) -> Report:
    """The fix holds: the rider said so, or did not answer in time. Validates the report."""
    if by_default:
        told = {
            "system_note": CHECK_NOT_ANSWERED,
            "note_params": {"hours": settings.REPORT_CHECK_HOURS},
        }
    else:
        told = _rider_said(said)
    return transition(report, "confirm", by=by, locked=locked, note=note, verify_by=None, **told)


def reopen(
    report: Report,
    *,
    locked: bool = False,
    note: str = "",
    said: Params | None = None,
    by: User | None = None,
) -> Report:
    """Not fixed, the first time: the same department again, a new deadline, raised level."""

    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        return {**_clock_restarted(row, now), "reopen_count": row.reopen_count + 1}

    return transition(
        report,
        "reopen",
        by=by,
        locked=locked,
        rule=rule,
        note=note,
        event_department=report.department,
        **_rider_said(said),
    )


def supervise(
    report: Report,
    *,
    locked: bool = False,
    note: str = "",
    said: Params | None = None,
    by: User | None = None,
) -> Report:
    """Not fixed again: the dispatcher supervises (督办); the department's clock stops."""

    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        return {
            "reopen_count": row.reopen_count + 1,
            "escalation_level": 2,
            "closed_at": None,
            "verify_by": None,
            **CLOCK_STOPPED,
        }

    return transition(
        report, "supervise", by=by, locked=locked, rule=rule, note=note, **_rider_said(said)
    )


def redo(report: Report, *, actor: User | None, note: str = "") -> Report:
    """The dispatcher orders the same department to do it again, with a new deadline."""

    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        if row.department_id is None:
            raise IllegalTransition(
                _("This report has no department to redo it; route it instead."),
                code="no_department",
            )
        return _clock_restarted(row, now)

    return transition(
        report, "redo", by=actor, rule=rule, note=note, event_department=report.department
    )


def close(report: Report, *, actor: User | None, reason: str) -> Report:
    """The dispatcher closes a supervised report; the rider reads the reason."""
    if not reason.strip():
        raise DomainError(_("Give the reason: the rider reads it."), code="reason_required")
    return transition(
        report,
        "close",
        by=actor,
        rule=lambda row, now: {"closed_at": now},
        note=reason.strip(),
        **CLOCK_STOPPED,
    )


# --- Working the report (issue 14): questions, priority, transfer ----------------------------


def ask(
    report: Report, *, department: Department, question: str, actor: User | None = None
) -> Report:
    """The department asks the reporter a question; the report waits for the answer with its
    clock paused, at most REPORT_QUESTION_HOURS. Asking is a first response (acknowledged)."""
    text = question.strip()
    if not text:
        raise DomainError(_("Write the question: the rider reads it."), code="question_required")
    with transaction.atomic():
        row = lock_report(report.pk)
        if row is None:
            raise Report.DoesNotExist
        asked = row.questions.count()

        def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
            _check_department(row, department)
            if asked >= QUESTIONS_PER_REPORT:
                raise IllegalTransition(
                    _("A department may ask the rider at most %(count)d questions per report.")
                    % {"count": QUESTIONS_PER_REPORT},
                    code="too_many_questions",
                )
            return {
                "acknowledged_at": row.acknowledged_at or now,
                "paused_at": now,
                "next_check_at": None,
            }

        row = transition(
            row, "ask", by=actor, locked=True, rule=rule, note=text, event_department=department
        )
        ReportQuestion.objects.create(
            report=row,
            position=asked + 1,
            department=department,
            asked_by=actor,
            text=text,
            asked_at=row.paused_at,
            answer_by=row.paused_at + dt.timedelta(hours=settings.REPORT_QUESTION_HOURS),
        )
    return row


def answer(
    report: Report, *, locked: bool = False, note: str = "", by: User | None = None
) -> Report:
    """The rider answered the open question (the caller saved it on the ReportQuestion): the
    clock runs again, with the deadline moved on by the pause."""
    return transition(report, "answer", by=by, locked=locked, note=note)


def answer_timeout(
    report: Report, *, locked: bool = False, system_note: Message | None = None
) -> Report:
    """No answer in REPORT_QUESTION_HOURS: the clock runs again and the question is closed."""
    return transition(
        report,
        "answer_timeout",
        locked=locked,
        system_note=system_note,
        note_params={"hours": settings.REPORT_QUESTION_HOURS},
    )


def transfer(
    report: Report,
    *,
    to_department: Department,
    actor: User | None = None,
    note: str = "",
    system_note: Message | None = None,
    note_params: Params | None = None,
    locked: bool = False,
) -> Report:
    """Hand the report to another department (转办, approved): a re-route whose timeline line
    says so. The new department gets a fresh closure clock, as on any routing."""
    if report.department_id == to_department.pk:
        raise IllegalTransition(
            _("The report is already with this department."), code="same_department"
        )
    return transition(
        report,
        "transfer",
        by=actor,
        locked=locked,
        rule=_in_city_and_clock_started(to_department),
        note=note,
        system_note=system_note,
        note_params=note_params,
        event_department=to_department,
        department=to_department,
        acknowledged_at=None,
    )


def prioritise(
    report: Report,
    *,
    priority: int,
    reason: str,
    actor: User | None = None,
    system_note: Message | None = None,
    note_params: Params | None = None,
) -> Report:
    """The dispatcher sets another priority, with a reason. A report with a department keeps
    its routing time and gets the deadline of the new priority (pauses kept); the deadline
    sweep then takes it from there."""
    if not reason.strip():
        raise DomainError(_("Give the reason for the new priority."), code="reason_required")

    def rule(row: Report, now: dt.datetime) -> dict[str, Any]:
        if row.priority == priority:
            raise IllegalTransition(
                _("The report already has this priority."), code="same_priority"
            )
        changes: dict[str, Any] = {"priority": priority}
        if row.due_at is not None and row.status in WORKING:
            category = row.category
            due_at = row.due_at + dt.timedelta(
                hours=routing.hours_for(category, priority, row.district_id)
                - routing.hours_for(category, row.priority, row.district_id)
            )
            overdue = now >= due_at
            changes["due_at"] = due_at
            changes["is_overdue"] = row.is_overdue and overdue
            if not overdue:
                warn_at = row.routed_at + (due_at - row.routed_at) * WARNING_SHARE
                changes["warned_at"] = row.warned_at if now >= warn_at else None
            if row.status != S.WAITING:
                changes["next_check_at"] = (
                    # Newly past the deadline: the sweep flags it on its next run.
                    now
                    if overdue and not row.is_overdue
                    else next_check(
                        routed_at=row.routed_at,
                        due_at=due_at,
                        warned=changes.get("warned_at", row.warned_at) is not None,
                        overdue=changes["is_overdue"],
                        escalation_level=row.escalation_level,
                    )
                )
        return changes

    return transition(
        report,
        "prioritise",
        by=actor,
        rule=rule,
        note=reason.strip(),
        system_note=system_note,
        note_params=note_params,
    )
