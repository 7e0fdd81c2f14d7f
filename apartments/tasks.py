from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_bed_offers() -> int:
    """Every 5 minutes: offers not answered within 48 h expire; their beds go to the next."""
    return services.offers_expire()


@shared_task(acks_late=True)
def remind_bed_offers() -> int:
    """Every 5 minutes: remind once the riders whose offer expires within 6 hours."""
    return services.offer_reminders_send()
