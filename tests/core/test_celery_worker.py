"""A task sent from the test runs in a real `celery worker` process on Redis."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from core.queue import enqueue_on_commit
from riders.models import SignInCode, mask_phone
from riders.phones import phone_digest
from riders.tasks import purge_expired_sign_in_codes

pytestmark = pytest.mark.worker


def old_code(phone: str) -> SignInCode:
    created = timezone.now() - dt.timedelta(days=2)
    return SignInCode.objects.create(
        phone_hash=phone_digest(phone),
        phone_masked=mask_phone(phone),
        code_hash="x" * 64,
        created_at=created,
        expires_at=created + dt.timedelta(minutes=5),
    )


def test_task_sent_from_the_test_runs_in_the_worker(celery_worker):
    old_code("13900000001")
    fresh = SignInCode.objects.create(
        phone_hash=phone_digest("13900000002"),
        phone_masked=mask_phone("13900000002"),
        code_hash="y" * 64,
        created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    purge_expired_sign_in_codes.delay()
    celery_worker(
        lambda: list(SignInCode.objects.values_list("pk", flat=True)) == [fresh.pk],
        what="the worker to purge the expired code",
    )


def test_task_queued_on_commit_is_sent_only_after_commit(celery_worker):
    with transaction.atomic():
        old_code("13900000003")
        enqueue_on_commit(purge_expired_sign_in_codes)
        # Still inside the transaction: nothing was sent, the row is still there.
        assert SignInCode.objects.filter(phone_hash=phone_digest("13900000003")).exists()
    celery_worker(lambda: not SignInCode.objects.exists(), what="the queued purge to run")


def test_task_queued_in_a_rolled_back_transaction_is_never_sent(celery_worker):
    old_code("13900000004")

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        enqueue_on_commit(purge_expired_sign_in_codes)
        raise Abort
    # Prove the worker is alive and idle-by-choice: a later task does run.
    import time

    time.sleep(1.5)
    assert SignInCode.objects.filter(phone_hash=phone_digest("13900000004")).exists()
    purge_expired_sign_in_codes.delay()
    celery_worker(lambda: not SignInCode.objects.exists(), what="the later purge to run")
