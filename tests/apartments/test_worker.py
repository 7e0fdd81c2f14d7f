"""A real Celery worker expires an unanswered bed offer and passes the bed to the next rider."""

import datetime as dt

import pytest
from django.utils import timezone

from apartments import services
from apartments.models import Application
from apartments.tasks import expire_bed_offers
from tests.factories import RiderFactory, apartment_with_beds

pytestmark = pytest.mark.worker


def test_worker_expires_the_offer_and_offers_the_bed_to_the_next(celery_worker):
    apartment = apartment_with_beds(1)
    first, second = (
        services.application_submit(
            rider=RiderFactory(), apartments=[apartment], desired_move_in=timezone.localdate()
        )
        for _ in range(2)
    )
    services.bed_offer(bed=services.free_beds(apartment).get(), by=None)
    Application.objects.filter(pk=first.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expire_bed_offers.delay()  # what beat sends every 5 minutes
    celery_worker(
        lambda: Application.objects.get(pk=second.pk).status == "offered",
        what="the worker to expire the offer and pass the bed on",
    )
    assert Application.objects.get(pk=first.pk).status == "expired"
