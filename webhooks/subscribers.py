"""Report events as webhook events (core/events.py), subscribed in WebhooksConfig.ready().

Called inside the transaction of the change, so `webhooks_emit` writes the outbox's Delivery
rows in that same transaction: the change and its deliveries commit or roll back together.
"""

from django.conf import settings

from governance.events import (
    ReportAssistAdded,
    ReportsEscalated,
    ReportsOverdue,
    ReportStatusChanged,
    ReportUrgent,
)
from governance.models import Report, ReportStatus

from .models import Event
from .services import webhooks_emit

# The statuses receivers hear about; the others (with the dispatcher, acknowledged, rejected)
# are the centre's internal steps.
STATUS_EVENTS = {
    ReportStatus.ROUTED: Event.ROUTED,
    ReportStatus.RESOLVED: Event.CLOSED,
    ReportStatus.REOPENED: Event.REOPENED,
    ReportStatus.CONFIRMED: Event.CONFIRMED,
    ReportStatus.SUPERVISION: Event.SUPERVISION,
    ReportStatus.CLOSED: Event.CLOSED,
    ReportStatus.INVALID: Event.CLOSED,
    ReportStatus.DUPLICATE: Event.CLOSED,
}


def _reports(report_ids):
    # Lazy: webhooks_emit reads it only when a receiver listens, so no query otherwise.
    return Report.objects.filter(pk__in=report_ids).select_related("category", "department")


# Transitions receivers hear about by name, whatever the status they lead to (the rider's
# answer leads back to `acknowledged`, which is internal).
TRANSITION_EVENTS = {
    "answer": Event.ANSWERED,
}


def emit_status_changed(event: ReportStatusChanged) -> None:
    if event.transition in TRANSITION_EVENTS:
        webhooks_emit(
            event=TRANSITION_EVENTS[event.transition], reports=_reports([event.report_id])
        )
        return
    webhook_event = STATUS_EVENTS.get(event.to_status)
    if webhook_event is not None:
        webhooks_emit(event=webhook_event, reports=_reports([event.report_id]))


def emit_overdue(event: ReportsOverdue) -> None:
    webhooks_emit(event=Event.OVERDUE, reports=_reports(event.report_ids))


def emit_escalated(event: ReportsEscalated) -> None:
    webhooks_emit(event=Event.ESCALATED, reports=_reports(event.report_ids))


def emit_urgent(event: ReportUrgent) -> None:
    """Page the department at once: report.urgent to its receivers (and to all-report receivers
    that chose it), on the urgent queue so no backlog of slower deliveries holds it up."""
    reports = _reports([event.report_id]).filter(department_id=event.department_id)
    webhooks_emit(event=Event.URGENT, reports=reports, queue=settings.WEBHOOK_URGENT_QUEUE)


def emit_assisting(event: ReportAssistAdded) -> None:
    # To the assisting department's receivers only (the lead's and the platform's are not told).
    webhooks_emit(
        event=Event.ASSISTING,
        reports=_reports([event.report_id]),
        to_department_id=event.department_id,
    )
