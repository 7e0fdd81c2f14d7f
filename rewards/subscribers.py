"""What rewards does when something happens elsewhere (core/events.py), subscribed in
RewardsConfig.ready()."""

from core.queue import enqueue_on_commit
from governance.events import ReportValidated

from .tasks import award_report


def award_validated_report(event: ReportValidated) -> None:
    """Pay the rider after the commit; the award is idempotent and the sweep
    (sweep_unawarded_reports) re-queues it if this message is lost."""
    enqueue_on_commit(award_report, event.report_id)
