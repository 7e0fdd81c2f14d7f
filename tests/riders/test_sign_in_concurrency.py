"""50 simultaneous sign-in requests on PostgreSQL: one code per phone, limits exact.

Before issue 12, 50 simultaneous requests for one phone created 3 codes and sent 3 SMS (the
per-phone lock had no row to lock yet). Now sign_in_code_one_current_per_phone lets one insert
win, and the per-client counter is a conditional UPDATE.
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from riders import services
from riders.models import LimitCounter, SignInCode
from riders.phones import phone_digest
from tests.conftest import require_service
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 50


def run_at_once(calls) -> Counter:
    """Run each call in its own thread and connection, all released together; count outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(call) -> None:
        try:
            barrier.wait()
            try:
                call()
                outcome = "sent"
            except services.SignInThrottled as refused:
                outcome = refused.code
            except Exception as error:  # an unexpected error is the finding
                outcome = f"error: {error!r}"
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture(autouse=True)
def _postgresql():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_fifty_simultaneous_requests_for_one_phone_make_one_code_and_one_sms(sms_outbox):
    rider = RiderFactory()
    outcomes = run_at_once(
        [
            lambda n=n: services.sign_in_code_request(phone=rider.phone, client_ip=f"10.0.{n}.1")
            for n in range(THREADS)
        ]
    )
    assert outcomes == {"sent": 1, services.RESEND_TOO_SOON: THREADS - 1}
    assert SignInCode.objects.filter(phone_hash=phone_digest(rider.phone)).count() == 1
    assert len(sms_outbox) == 1
    # Only the winner's request was counted against its client.
    assert (
        sum(LimitCounter.objects.filter(scope="codes_ip_hour").values_list("count", flat=True)) == 1
    )


def test_fifty_simultaneous_requests_from_one_client_stop_at_its_limit(settings, sms_outbox):
    settings.SIGN_IN_CODES_PER_IP_PER_HOUR = 10
    riders = RiderFactory.create_batch(THREADS)
    outcomes = run_at_once(
        [
            lambda rider=rider: services.sign_in_code_request(
                phone=rider.phone, client_ip="203.0.113.9"
            )
            for rider in riders
        ]
    )
    assert outcomes == {"sent": 10, "too_many_codes_from_client": THREADS - 10}
    assert SignInCode.objects.count() == 10
    assert len(sms_outbox) == 10


def test_fifty_simultaneous_requests_never_exceed_the_sms_budget(settings, sms_outbox):
    settings.SMS_BUDGET_PER_HOUR = 7
    riders = RiderFactory.create_batch(THREADS)
    outcomes = run_at_once(
        [
            lambda n=n, rider=rider: services.sign_in_code_request(
                phone=rider.phone, client_ip=f"10.{n}.0.1"
            )
            for n, rider in enumerate(riders)
        ]
    )
    assert outcomes == {"sent": 7, services.SMS_BUDGET_SPENT: THREADS - 7}
    assert len(sms_outbox) == 7
