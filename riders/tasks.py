from celery import shared_task

from . import services


@shared_task(acks_late=True)
def purge_expired_sign_in_codes() -> int:
    return services.sign_in_codes_purge()
