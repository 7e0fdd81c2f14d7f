"""Report events as webhook events (core/events.py), subscribed in WebhooksConfig.ready().

Called inside the transaction of the change, so `webhooks_emit` writes the outbox's Delivery
rows in that same transaction: the change and its deliveries commit or roll back together.
"""

from governance.events import (
    ReportAssistAdded,
    ReportsEscalated,
    ReportsOverdue,
    ReportStatusChanged,
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


def emit_status_changed(event: ReportStatusChanged) -> None:
    webhook_event = STATUS_EVENTS.get(event.to_status)
    if webhook_event is not None:
        webhooks_emit(event=webhook_event, reports=_reports([event.report_id]))


def emit_overdue(event: ReportsOverdue) -> None:
    webhooks_emit(event=Event.OVERDUE, reports=_reports(event.report_ids))


def emit_escalated(event: ReportsEscalated) -> None:
    webhooks_emit(event=Event.ESCALATED, reports=_reports(event.report_ids))


def emit_assisting(event: ReportAssistAdded) -> None:
    # To the assisting department's receivers only (the lead's and the platform's are not told).
    webhooks_emit(
        event=Event.ASSISTING,
        reports=_reports([event.report_id]),
        to_department_id=event.department_id,
    )
