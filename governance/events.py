"""What happens to reports, for other apps to react to (core/events.py): ids and plain values
only, published inside the transaction of the change. `rewards` and `webhooks` subscribe in
their `AppConfig.ready()`; governance imports neither."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportStatusChanged:
    """A transition of the state machine changed (or, re-routing, renewed) a report's status."""

    report_id: int
    transition: str  # the name in workflow.TRANSITIONS
    from_status: str
    to_status: str


@dataclass(frozen=True)
class ReportValidated:
    """The report was validated (resolved, or confirmed by a dispatcher): its rider earns the
    category's rewards. Published once per report."""

    report_id: int


@dataclass(frozen=True)
class ReportsOverdue:
    """The deadline sweep flagged these reports overdue (one event per batch, not per report)."""

    report_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReportsEscalated:
    """The deadline sweep escalated these reports: twice their closure time has passed."""

    report_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReportUrgent:
    """An urgent report reached a department (routed, transferred, reopened, redone) or a
    report with a department became urgent: its webhook is paged at once (report.urgent)."""

    report_id: int
    department_id: int


@dataclass(frozen=True)
class ReportAssistAdded:
    """The dispatcher added an assisting department to a report (联办): that department's
    webhook is told (report.assisting)."""

    report_id: int
    department_id: int
