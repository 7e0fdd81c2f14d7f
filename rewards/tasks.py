import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import selectors, services


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def award_report(report_id: int) -> int:
    """Pay a validated report's rewards; re-running it pays nothing twice."""
    return len(services.report_awards_grant(report_id=report_id))


@shared_task(acks_late=True)
def sweep_unawarded_reports() -> int:
    """Re-queue awards whose task message was lost (broker down when the report was validated).

    Looks back a week: older gaps are for an admin to look at, not for a sweep every few minutes.
    """
    since = timezone.now() - dt.timedelta(days=7)
    report_ids = selectors.reports_awaiting_award(since=since)
    for report_id in report_ids:
        award_report.delay(report_id)
    return len(report_ids)


@shared_task(acks_late=True)
def expire_points() -> int:
    return services.points_expire()


@shared_task(acks_late=True)
def propose_top_reporters() -> int:
    """On the 1st: propose last month's top reporters for the honour roll."""
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return len(services.honours_propose_top_reporters(month=last_month))
