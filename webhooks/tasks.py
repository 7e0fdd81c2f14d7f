"""Thin, repeatable tasks: each loads by id and calls a service; the schedule lives in the row.

No Celery countdowns: a retry is the row's `next_attempt_at`, which the beat sweep reads. (A
countdown near Redis's visibility_timeout makes the broker hand the message out twice.)
"""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int, claim: str | None = None) -> None:
    """One attempt at a due delivery (the fast path after commit, or queued by the sweep with
    its lease token); a no-op if it is not due or another worker holds it."""
    services.delivery_attempt(delivery_id=delivery_id, claim=claim)


@shared_task(acks_late=True)
def sweep_webhook_deliveries() -> int:
    """Beat: queue every due delivery (retries, lost messages, leases of dead workers)."""
    return services.deliveries_sweep()
