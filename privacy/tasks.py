from celery import shared_task

from core.models import User

from . import retention


@shared_task(acks_late=True)
def retention_apply(requested_by_id: int | None = None) -> int:
    """Beat, nightly (and the admin's "run now"): apply the retention table. Safe to run twice:
    a second run finds nothing more to remove. Returns the RetentionRun's id."""
    requested_by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    return retention.retention_apply(requested_by=requested_by).pk
