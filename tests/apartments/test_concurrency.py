"""Races on PostgreSQL: never two offers or two tenancies of one bed."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from apartments import services
from apartments.models import Application, Tenancy
from apartments.services import ApartmentError
from tests.conftest import require_service
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds
from tests.governance.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def waiting_riders(apartment, count: int) -> list[Application]:
    return [
        services.application_submit(
            rider=RiderFactory(),
            apartments=[apartment],
            desired_move_in=timezone.localdate(),
        )
        for _ in range(count)
    ]


def test_many_managers_offering_the_last_bed_one_wins():
    apartment = apartment_with_beds(1)
    waiting_riders(apartment, 12)
    bed = services.free_beds(apartment).get()
    managers = [StaffFactory() for _ in range(12)]
    queue = iter(managers)
    lock = threading.Lock()

    def offer():
        with lock:
            manager = next(queue)
        return services.bed_offer(bed=bed, by=manager)

    outcomes = run_concurrently(12, offer)
    wins = [o for o in outcomes if isinstance(o, Application)]
    assert len(wins) == 1, outcomes
    assert all(isinstance(o, ApartmentError) for o in outcomes if o not in wins)
    assert Application.objects.filter(status="offered").count() == 1


def test_two_managers_filling_at_once_never_offer_a_bed_or_a_rider_twice():
    apartment = apartment_with_beds(20)
    waiting_riders(apartment, 30)
    outcomes = run_concurrently(
        4, lambda: services.beds_fill(apartment=apartment, by=StaffFactory())
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    offered = Application.objects.filter(status="offered")
    assert offered.count() == 20
    assert offered.values("offered_bed").distinct().count() == 20


def test_accepting_while_the_offer_expires_never_makes_two_tenancies():
    apartment = apartment_with_beds(1)
    first, *_rest = waiting_riders(apartment, 6)
    services.bed_offer(bed=services.free_beds(apartment).get(), by=None)
    # The deadline passes just as the rider taps Accept and the sweep runs.
    Application.objects.filter(pk=first.pk).update(
        offer_expires_at=timezone.now() + dt.timedelta(milliseconds=300)
    )
    import time

    time.sleep(0.3)
    actions = [
        lambda: services.offer_accept(application=first, rider=first.rider),
        lambda: services.offers_expire(),
    ] * 6
    index = iter(range(len(actions)))
    lock = threading.Lock()

    def next_action():
        with lock:
            action = actions[next(index)]
        return action()

    run_concurrently(len(actions), next_action)
    assert Tenancy.objects.filter(ended_on__isnull=True).count() <= 1
    open_offers = Application.objects.filter(status="offered").count()
    # Either the rider accepted in time (a tenancy) or the bed went to the next rider (an offer).
    assert Tenancy.objects.count() + open_offers == 1
