from celery import shared_task

from . import services


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    return services.idempotency_records_purge()
