"""Claiming a delivery: one worker at a time, a lease that runs out, and never the receiver's row.

The review saw `select_for_update(skip_locked=True)` with `select_related("webhook")` lock the
receiver's row, so a second delivery to the same receiver found it locked and ended without
retrying. These tests run on PostgreSQL, where the locks are real.
"""

import datetime as dt
import threading
import uuid

import pytest
from django.db import OperationalError, close_old_connections, connection, connections
from django.utils import timezone

from tests.conftest import require_service
from webhooks import services
from webhooks.models import Delivery

from .helpers import emit, hook


@pytest.fixture
def postgresql(transactional_db):
    """Real concurrency: committed rows, other connections, PostgreSQL's row locks."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def in_other_connection(function):
    """Run `function()` in a thread, so on a database connection of its own; return its result
    (or raise its exception)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except Exception as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def lock_nowait(table: str, pk: int) -> bool:
    """Whether another connection can take the row lock at once (NOWAIT fails if held)."""

    def attempt():
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            try:
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])  # noqa: S608
            except OperationalError:
                return False
            return True

    return in_other_connection(attempt)


def test_two_concurrent_claimers_exactly_one_wins(postgresql):
    deliveries = emit(hook("http://127.0.0.1:1/hook"), count=10, fast_path=False)
    for delivery in deliveries:
        barrier = threading.Barrier(2)
        tokens: list = []

        def claim(delivery=delivery, barrier=barrier, tokens=tokens):
            try:
                barrier.wait(timeout=30)
                tokens.append(services.delivery_claim(delivery_id=delivery.pk))
            finally:
                close_old_connections()
                connections.close_all()

        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(tokens) == 2
        winners = [token for token in tokens if token is not None]
        assert len(winners) == 1
        delivery.refresh_from_db()
        assert delivery.claim_token == winners[0] and delivery.claimed_until > timezone.now()


@pytest.mark.django_db
def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_runs_out(settings):
    settings.WEBHOOK_CLAIM_SECONDS = 60
    (delivery,) = emit(hook("http://127.0.0.1:1/hook"), fast_path=False)
    now = timezone.now()
    assert services.delivery_claim(delivery_id=delivery.pk, now=now) is not None
    assert services.delivery_claim(delivery_id=delivery.pk, now=now) is None
    assert not services.deliveries_due(now=now).exists()
    # A worker killed mid-attempt never releases it: after the lease the row is due again.
    later = now + dt.timedelta(seconds=61)
    assert list(services.deliveries_due(now=later)) == [delivery]
    assert services.delivery_claim(delivery_id=delivery.pk, now=later) is not None


@pytest.mark.django_db
def test_only_the_holder_of_the_sweeps_token_may_renew_its_lease():
    (delivery,) = emit(hook("http://127.0.0.1:1/hook"), fast_path=False)
    token = uuid.uuid4()
    Delivery.objects.filter(pk=delivery.pk).update(
        claim_token=token, claimed_until=timezone.now() + dt.timedelta(minutes=1)
    )
    assert services.delivery_claim(delivery_id=delivery.pk) is None  # the fast path: no
    assert services.delivery_claim(delivery_id=delivery.pk, claim=uuid.uuid4()) is None
    renewed = services.delivery_claim(delivery_id=delivery.pk, claim=token)
    assert renewed is not None and renewed != token
    # The old token is spent: a second task carrying it (a redelivered message) does nothing.
    assert services.delivery_claim(delivery_id=delivery.pk, claim=token) is None


@pytest.mark.django_db
def test_finished_or_future_deliveries_are_not_claimed():
    delivered, failed, later = emit(hook("http://127.0.0.1:1/hook"), count=3, fast_path=False)
    Delivery.objects.filter(pk=delivered.pk).update(status=Delivery.Status.DELIVERED)
    Delivery.objects.filter(pk=failed.pk).update(status=Delivery.Status.FAILED)
    Delivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    for delivery in (delivered, failed, later):
        assert services.delivery_claim(delivery_id=delivery.pk) is None


def test_the_webhook_row_is_never_locked_while_a_delivery_is_tried(postgresql, monkeypatch):
    """During the HTTP call no transaction is open and no row is locked: neither the receiver's
    row nor the delivery's (the claim is a committed lease, not a lock)."""
    webhook = hook("http://127.0.0.1:1/hook")
    (delivery,) = emit(webhook, fast_path=False)
    seen: dict = {}

    def opener(request, timeout):
        seen["in_atomic_block"] = connection.in_atomic_block
        seen["webhook_free"] = lock_nowait("webhooks_webhook", webhook.pk)
        seen["delivery_free"] = lock_nowait("webhooks_delivery", delivery.pk)
        raise OSError("receiver down")

    monkeypatch.setattr(services, "_urlopen", opener)
    assert services.delivery_attempt(delivery_id=delivery.pk) is not None
    assert seen == {"in_atomic_block": False, "webhook_free": True, "delivery_free": True}


def test_the_sweeps_lock_holds_the_deliveries_only(postgresql):
    """The sweep locks due deliveries `FOR UPDATE SKIP LOCKED OF` the deliveries: the receiver's
    row stays free for another delivery, the admin, or a second sweep."""
    from django.db import transaction

    webhook = hook("http://127.0.0.1:1/hook")
    (delivery,) = emit(webhook, fast_path=False)
    with transaction.atomic():
        locked = list(
            services.deliveries_due_for_update(now=timezone.now()).select_related("webhook")
        )
        assert locked == [delivery]
        assert lock_nowait("webhooks_delivery", delivery.pk) is False  # the lock is real
        assert lock_nowait("webhooks_webhook", webhook.pk) is True
        # A second sweep meanwhile skips the locked row instead of waiting or failing.
        assert in_other_connection(lambda: _skip_locked_ids()) == []


def _skip_locked_ids() -> list[int]:
    from django.db import transaction

    with transaction.atomic():
        return list(
            services.deliveries_due_for_update(now=timezone.now()).values_list("pk", flat=True)
        )
