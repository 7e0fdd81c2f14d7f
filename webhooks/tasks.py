from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> None:
    """One attempt; a failure schedules the next with exponential backoff (up to 24 h)."""
    delay = services.delivery_attempt(delivery_id=delivery_id)
    if delay is not None:
        if self.request.is_eager:
            return  # inline (tests, eager mode): no sleeping; the admin can redeliver
        raise self.retry(countdown=delay)
