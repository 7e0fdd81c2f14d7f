"""Payout batches racing on PostgreSQL. Before payouts, 10 concurrent creations for one month
gave 9 IntegrityErrors (numbers from count() + 1)."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.errors import DomainError
from payouts import services
from payouts.models import BatchNumber, PayoutBatch
from rewards.models import Award
from tests.conftest import require_service
from tests.factories import StaffFactory, validated_report
from tests.governance.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_twenty_concurrent_creations_one_batch_every_item_once_no_integrity_error():
    for _ in range(30):
        validated_report()
    month = timezone.localdate()
    creators = [StaffFactory() for _ in range(20)]
    queue = iter(creators)

    outcomes = run_concurrently(
        20, lambda: services.batch_create(source="reward", month=month, by=next(queue))
    )
    batches = [o for o in outcomes if isinstance(o, PayoutBatch)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(batches) + len(refused) == 20, outcomes  # nothing else, no IntegrityError
    assert {error.code for error in refused} <= {"nothing_to_pay"}
    assert sum(batch.item_count for batch in batches) == 30
    assert Award.objects.filter(kind="cash", batch__isnull=True).count() == 0
    assert PayoutBatch.objects.count() == len(batches)
    numbers = sorted(PayoutBatch.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)


def test_twenty_concurrent_numbers_are_all_different_and_consecutive():
    month = timezone.localdate().replace(day=1)

    def take():
        with transaction.atomic():
            return services._next_number(source="reward", prefix="PB", month=month)

    outcomes = run_concurrently(20, take)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert sorted(outcomes) == [f"PB{month:%Y%m}-{n:02d}" for n in range(1, 21)]
    assert BatchNumber.objects.get(source="reward", month=month).last == 20


def test_concurrent_creations_and_discards_never_reuse_a_number():
    month = timezone.localdate()
    reviewer = StaffFactory()
    for _ in range(5):
        validated_report()

    def create_and_discard():
        try:
            batch = services.batch_create(source="reward", month=month, by=reviewer)
        except DomainError as error:
            return error
        services.batch_discard(batch=batch, by=reviewer)
        return batch.number

    outcomes = run_concurrently(10, create_and_discard)
    taken = [o for o in outcomes if isinstance(o, str)]
    assert taken and len(set(taken)) == len(taken)
    assert all(isinstance(o, (str, DomainError)) for o in outcomes), outcomes
    last = services.batch_create(source="reward", month=month, by=reviewer)
    assert last.number not in taken and last.item_count == 5
