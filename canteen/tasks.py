from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_uncollected_meals() -> int:
    """Every 15 minutes: orders not collected by their canteen's closing time expire."""
    return services.orders_expire()
