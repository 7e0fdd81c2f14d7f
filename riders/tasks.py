from celery import shared_task

from . import services, sms_outbox


@shared_task(acks_late=True)
def purge_expired_sign_in_codes() -> int:
    return services.sign_in_codes_purge()


@shared_task(acks_late=True)
def send_sms(log_id: int, claim: str | None = None) -> None:
    """One try at a queued SMS (riders/sms_outbox.py); a transient failure queues the next try
    after its backoff (seconds to minutes, far below the broker's visibility timeout). A no-op
    if the row is not due, is done, or another worker holds it: safe to run twice."""
    outcome = sms_outbox.sms_attempt(log_id=log_id, claim=claim)
    if outcome is not None and outcome.retry_in is not None:
        sms_outbox.sms_retry_later(log_id=log_id, delay=outcome.retry_in)


@shared_task(acks_late=True)
def sweep_sms() -> int:
    """Beat: expire stale queued SMS and queue the ones no task took."""
    return sms_outbox.sms_sweep()


@shared_task(acks_late=True)
def send_sms_batch(log_ids: list[int]) -> None:
    """Fan a batch's SMS out to one send_sms task each (riders/notify.py queues 41,000 SMS as
    a few dozen of these on commit, not 41,000 publishes in the request). A fan-out cut short
    leaves rows queued: the sweep sends them."""
    for log_id in log_ids:
        send_sms.delay(log_id)


@shared_task(acks_late=True)
def send_held_sms() -> int:
    """Beat, when the quiet hours end (07:00): send what they held back at once, not a minute
    later with the sweep (riders/notify.py). A row that also has a task just queued is sent
    once: whichever task claims it first sends it."""
    return sms_outbox.sms_sweep(after_seconds=0)
