"""The report state machine: the only code that changes a report's status.

    submitted ──route──▶ routed ──acknowledge──▶ acknowledged ──resolve──▶ resolved
        │                  │  ╲                     │
        │                  │   ╲──resolve──▶        └──reject──▶ rejected
        ├─to_dispatcher─▶ dispatch ◀────────────────────────────────┘ (back to dispatcher)
        │                  │
        │     dispatch / rejected ──route (re-route)──▶ routed
        │     dispatch / rejected ──close_invalid──▶ invalid
        └──duplicate──▶ duplicate  (any open report, by the router or a dispatcher)

Validation is not a status: resolving a report validates it, and a dispatcher may validate any
report that is not invalid or a duplicate. A validated report earns its rider the category's
rewards (rewards.tasks.award_report, queued on commit) and can no longer be closed as invalid
or marked a duplicate.

Each transition locks the row (select_for_update), checks the current status, writes the new
state and one timeline event, and notifies the rider, all in one transaction. A transition that
is not allowed from the current status raises IllegalTransition (HTTP 409 in the API).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.models import User
from core.queue import enqueue_on_commit
from core.services import LazyMessage, notification_post
from rewards.tasks import award_report
from webhooks.models import Event
from webhooks.services import webhooks_emit

from .models import OPEN_STATUSES, Department, Report, ReportEvent, ReportStatus

S = ReportStatus

# Pre-breach warning once this share of the closure time is used (amber in the dispatch queue).
WARNING_SHARE = 0.75


class IllegalTransition(DomainError):
    code = "illegal_transition"


TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (allowed from, to)
    "route": ((S.SUBMITTED, S.WITH_DISPATCHER, S.REJECTED), S.ROUTED),
    "reroute": ((S.ROUTED, S.ACKNOWLEDGED), S.ROUTED),
    "to_dispatcher": ((S.SUBMITTED,), S.WITH_DISPATCHER),
    "acknowledge": ((S.ROUTED,), S.ACKNOWLEDGED),
    "resolve": ((S.ROUTED, S.ACKNOWLEDGED), S.RESOLVED),
    "reject": ((S.ROUTED, S.ACKNOWLEDGED), S.REJECTED),
    "close_invalid": ((S.WITH_DISPATCHER, S.REJECTED, S.SUBMITTED), S.INVALID),
    "duplicate": (tuple(OPEN_STATUSES), S.DUPLICATE),
}
VALIDATABLE = (*OPEN_STATUSES, S.RESOLVED)

RIDER_MESSAGES = {
    S.ROUTED: gettext_lazy("Your report %(id)s was sent to %(department)s."),
    S.WITH_DISPATCHER: gettext_lazy("Your report %(id)s is with the dispatcher."),
    S.ACKNOWLEDGED: gettext_lazy("%(department)s is working on your report %(id)s."),
    S.RESOLVED: gettext_lazy("Your report %(id)s was resolved. Thank you!"),
    S.REJECTED: gettext_lazy("Your report %(id)s went back to the dispatcher for a check."),
    S.INVALID: gettext_lazy("Your report %(id)s was closed as invalid."),
    S.DUPLICATE: gettext_lazy("Your report %(id)s joined the earlier report %(original)s."),
}


# The fields a transition may change; saving only these keeps the UPDATE small and never
# overwrites a concurrent edit of anything else.
WORKFLOW_FIELDS = [
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
    "validated_at",
    "updated_at",
]


def lock_report(report_id: int) -> Report | None:
    """Load and lock a report for a transition (inside transaction.atomic())."""
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("rider__user", "department", "category", "district")
        .filter(pk=report_id)
        .first()
    )


def _atomic(report: Report):
    """The transition's transaction. A caller that already locked the row (the router) holds
    the transaction and lets any error roll all of it back, so no savepoint is needed."""
    return transaction.atomic(savepoint=not getattr(report, "_locked_for_update", False))


def _locked(report: Report, transition: str) -> Report:
    allowed, _to = TRANSITIONS[transition]
    # A caller that already locked the row in this transaction (the router) passes it through.
    locked = report if getattr(report, "_locked_for_update", False) else lock_report(report.pk)
    if locked is None:
        raise Report.DoesNotExist
    if locked.status not in allowed:
        raise IllegalTransition(
            _("A report that is “%(status)s” cannot be %(action)s.")
            % {"status": locked.get_status_display(), "action": _action_label(transition)}
        )
    return locked


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
    }[transition]


def _refuse_if_validated(report: Report, transition: str) -> None:
    if report.validated_at is not None:
        raise IllegalTransition(
            _("A validated report cannot be %(action)s: its rider was rewarded for it.")
            % {"action": _action_label(transition)},
            code="report_validated",
        )


def _mark_validated(report: Report, now) -> None:
    """Validate once; the award is queued for after the commit and is itself idempotent."""
    if report.validated_at is None:
        report.validated_at = now
        enqueue_on_commit(award_report, report.pk)


def _record(
    report: Report,
    *,
    kind: str,
    from_status: str,
    actor: User | None = None,
    department: Department | None = None,
    note: str = "",
    public: bool = True,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor,
        department=department,
        from_status=from_status,
        to_status=report.status,
        note=note,
        public=public,
    )


WEBHOOK_EVENTS = {
    S.ROUTED: Event.ROUTED,
    S.RESOLVED: Event.CLOSED,
    S.INVALID: Event.CLOSED,
    S.DUPLICATE: Event.CLOSED,
}


def _finish(report: Report, **event) -> None:
    """Every transition ends alike: save the state, write the timeline, tell the riders and
    the subscribed receivers."""
    report.save(update_fields=WORKFLOW_FIELDS)
    _record(report, **event)
    _notify_rider(report)
    if report.status in WEBHOOK_EVENTS:
        webhooks_emit(event=WEBHOOK_EVENTS[report.status], reports=[report])


def _notify_rider(report: Report) -> None:
    """Tell the reporter, and the riders who joined the report, about its new status."""
    message = RIDER_MESSAGES.get(report.status)
    if message is None:
        return
    department = report.department
    original = report.duplicate_of.public_id if report.duplicate_of_id else ""
    followers = [
        report.rider.user,
        *(s.rider.user for s in report.supporters.select_related("rider__user")),
    ]
    for user in followers:
        notification_post(
            recipient=user,
            title=LazyMessage(
                message,
                id=report.public_id,
                # Resolved when rendered, so the name is in the reader's language too.
                department=lambda: department.display_name if department else "",
                original=original,
            ),
            link=f"/reports/{report.public_id}/",
        )


def deadline_for(routed_at: dt.datetime, closure_hours: int) -> dt.datetime:
    return routed_at + dt.timedelta(hours=closure_hours)


def _start_clock(report: Report, now: dt.datetime) -> None:
    hours = report.category.closure_hours
    report.routed_at = now
    report.due_at = deadline_for(now, hours)
    report.is_overdue = False
    report.escalation_level = 0
    report.warned_at = None
    report.next_check_at = now + dt.timedelta(hours=hours * WARNING_SHARE)


def _stop_clock(report: Report) -> None:
    report.next_check_at = None


def route(
    report: Report, *, department: Department, actor: User | None = None, note: str = ""
) -> Report:
    """Send the report to a department and start its closure clock (first routing or re-route)."""
    transition = "reroute" if report.status in (S.ROUTED, S.ACKNOWLEDGED) else "route"
    with _atomic(report):
        report = _locked(report, transition)
        before = report.status
        now = timezone.now()
        report.status = S.ROUTED
        report.department = department
        report.acknowledged_at = None
        _start_clock(report, now)
        _finish(
            report,
            kind=ReportEvent.Kind.ROUTED,
            from_status=before,
            actor=actor,
            department=department,
            note=note,
        )
    return report


def to_dispatcher(report: Report, *, note: str = "") -> Report:
    """No routing rule matched: the dispatcher decides."""
    with _atomic(report):
        report = _locked(report, "to_dispatcher")
        before = report.status
        report.status = S.WITH_DISPATCHER
        report.department = None
        _stop_clock(report)
        _finish(report, kind=ReportEvent.Kind.TO_DISPATCHER, from_status=before, note=note)
    return report


def acknowledge(
    report: Report, *, department: Department, actor: User | None = None, note: str = ""
) -> Report:
    with _atomic(report):
        report = _locked(report, "acknowledge")
        _check_department(report, department)
        before = report.status
        report.status = S.ACKNOWLEDGED
        report.acknowledged_at = timezone.now()
        _finish(
            report,
            kind=ReportEvent.Kind.ACKNOWLEDGED,
            from_status=before,
            actor=actor,
            department=department,
            note=note,
        )
    return report


def resolve(
    report: Report, *, department: Department, reply: str, actor: User | None = None
) -> Report:
    """The department fixed it and says how; the reply is what the rider reads."""
    if not reply.strip():
        raise DomainError(
            _("Say what was done: the reply is shown to the rider."), code="reply_required"
        )
    with _atomic(report):
        report = _locked(report, "resolve")
        _check_department(report, department)
        before = report.status
        now = timezone.now()
        report.status = S.RESOLVED
        report.closed_at = now
        report.acknowledged_at = report.acknowledged_at or now
        report.reply = reply.strip()
        _mark_validated(report, now)
        _stop_clock(report)
        _finish(
            report,
            kind=ReportEvent.Kind.RESOLVED,
            from_status=before,
            actor=actor,
            department=department,
            note=report.reply,
        )
    return report


def reject(
    report: Report, *, department: Department, reason: str, actor: User | None = None
) -> Report:
    """Not valid or not ours: back to the dispatcher, who re-routes or closes it."""
    with _atomic(report):
        report = _locked(report, "reject")
        _check_department(report, department)
        before = report.status
        report.status = S.REJECTED
        _stop_clock(report)
        _finish(
            report,
            kind=ReportEvent.Kind.REJECTED,
            from_status=before,
            actor=actor,
            department=department,
            note=reason,
        )
    return report


def close_invalid(report: Report, *, actor: User | None, reason: str) -> Report:
    with _atomic(report):
        report = _locked(report, "close_invalid")
        _refuse_if_validated(report, "close_invalid")
        before = report.status
        report.status = S.INVALID
        report.closed_at = timezone.now()
        _stop_clock(report)
        _finish(
            report,
            kind=ReportEvent.Kind.CLOSED_INVALID,
            from_status=before,
            actor=actor,
            note=reason,
        )
    return report


def mark_duplicate(report: Report, *, original: Report, actor: User | None = None) -> Report:
    """Link the report to the earlier open report of the same problem; it is not routed again."""
    if original.pk == report.pk:
        raise IllegalTransition(
            _("A report cannot be a duplicate of itself."), code="duplicate_self"
        )
    with _atomic(report):
        report = _locked(report, "duplicate")
        _refuse_if_validated(report, "duplicate")
        # Follow the chain so every duplicate points at the first report.
        original = Report.objects.get(pk=original.pk)
        while original.duplicate_of_id:
            original = Report.objects.get(pk=original.duplicate_of_id)
        if original.pk == report.pk:
            raise IllegalTransition(
                _("A report cannot be a duplicate of itself."), code="duplicate_self"
            )
        before = report.status
        report.status = S.DUPLICATE
        report.duplicate_of = original
        report.closed_at = timezone.now()
        _stop_clock(report)
        _finish(
            report,
            kind=ReportEvent.Kind.DUPLICATE,
            from_status=before,
            actor=actor,
            note=original.public_id,
        )
    return report


def validate(report: Report, *, actor: User | None, note: str = "") -> Report:
    """A dispatcher confirms by hand that the problem was real: the rider earns the reward.

    The status does not change; the department keeps working an open report as before.
    """
    with _atomic(report):
        locked = lock_report(report.pk)
        if locked is None:
            raise Report.DoesNotExist
        if locked.status not in VALIDATABLE:
            raise IllegalTransition(
                _("A report that is “%(status)s” cannot be validated.")
                % {"status": locked.get_status_display()},
                code="not_validatable",
            )
        if locked.validated_at is not None:
            raise IllegalTransition(
                _("This report is already validated."), code="already_validated"
            )
        _mark_validated(locked, timezone.now())
        locked.save(update_fields=["validated_at", "updated_at"])
        _record(
            locked,
            kind=ReportEvent.Kind.VALIDATED,
            from_status=locked.status,
            actor=actor,
            note=note,
        )
    return locked


def _check_department(report: Report, department: Department) -> None:
    if report.department_id != department.pk:
        # Callers scope their queries by department; this is the last line of defence.
        raise IllegalTransition(
            _("This report is not assigned to your department."), code="not_your_report"
        )
