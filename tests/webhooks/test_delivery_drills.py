"""Webhook deliveries are never lost: a real worker pool, a real receiver, real faults.

Each test runs on PostgreSQL + Redis with a real `celery worker --pool prefork --concurrency 2`
that runs the beat schedule (the sweep every 0.5 s, retries from 0.3 s capped at 2 s) and a
real HTTP receiver on 127.0.0.1 that checks signatures and records delivery ids. The review
saw 99 of 182 deliveries stay pending forever with the receiver up; here every count is exact.
Timeouts are generous and nothing is timed: the machine may be slow and shared.
"""

import logging

import pytest
from django.db import connection
from kombu.exceptions import OperationalError

from tests.conftest import require_service
from webhooks import tasks
from webhooks.models import Attempt, Delivery

from .helpers import emit, hook
from .receiver import Receiver

pytestmark = pytest.mark.worker

FAST = {
    "WEBHOOK_RETRY_BASE_SECONDS": "0.3",
    "WEBHOOK_RETRY_MAX_SECONDS": "2",
    "WEBHOOK_SWEEP_SECONDS": "0.5",
}
WAIT = 120.0


@pytest.fixture
def postgresql(transactional_db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def delivered() -> int:
    return Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()


def assert_each_arrived_once(receiver: Receiver, deliveries: list[Delivery]) -> None:
    accepted = receiver.accepted()
    assert set(accepted) == {str(d.delivery_id) for d in deliveries}  # 0 lost
    assert len(accepted) == len(deliveries)  # 0 delivered twice
    assert all(r["signed"] for r in receiver.requests)


def test_200_events_to_one_receiver_arrive_exactly_once_each(
    postgresql, celery_worker_factory, receiver, record_property
):
    """200 events to one receiver with two workers and the sweep racing the fast path: 200
    delivered, 0 lost, 0 delivered twice (the review saw 99 of 182 stay pending)."""
    worker = celery_worker_factory(pool="prefork", concurrency=2, beat=True, env=FAST)
    deliveries = emit(hook(receiver.url), 200)
    worker.wait_until(lambda: delivered() == 200, timeout=WAIT, what="200 deliveries")
    worker.stop()  # nothing still in flight can add a late duplicate
    assert_each_arrived_once(receiver, deliveries)
    assert Attempt.objects.count() == 200 and not Attempt.objects.filter(ok=False).exists()
    record_property("deliveries", 200)
    record_property("lost", 0)
    record_property("duplicates", receiver.duplicates())


@pytest.mark.drill
def test_receiver_failing_then_down_then_up_gets_everything(
    postgresql, celery_worker_factory, receiver, record_property
):
    """Receiver answering 503, then refusing connections, then back: every delivery arrives
    once, retried from the rows' next_attempt_at by the beat sweep, none lost or doubled."""
    receiver.answer = 503
    worker = celery_worker_factory(pool="prefork", concurrency=2, beat=True, env=FAST)
    deliveries = emit(hook(receiver.url), 20)
    worker.wait_until(
        lambda: not Delivery.objects.filter(attempts__lt=1).exists(),
        timeout=WAIT,
        what="a first attempt at each (answered 503)",
    )
    receiver.stop()
    worker.wait_until(
        lambda: not Delivery.objects.filter(attempts__lt=3).exists(),
        timeout=WAIT,
        what="retries while the receiver is down",
    )
    assert delivered() == 0
    assert Attempt.objects.filter(ok=False, status_code=None).exists()  # connection refused
    receiver.answer = 200
    receiver.start()  # the same port
    worker.wait_until(lambda: delivered() == 20, timeout=WAIT, what="delivery after recovery")
    worker.stop()
    assert_each_arrived_once(receiver, deliveries)
    record_property("deliveries", 20)
    record_property("lost", 0)
    record_property("duplicates", receiver.duplicates())


@pytest.mark.drill
def test_broker_down_at_emit_time_is_delivered_by_the_sweep_when_it_returns(
    postgresql, celery_worker_factory, receiver, monkeypatch, caplog, record_property
):
    """Broker unreachable when the deliveries are emitted (each on-commit enqueue fails and is
    logged): the rows are committed, and the beat sweep delivers every one once it is back."""

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    with caplog.at_level(logging.ERROR, logger="core.queue"):
        deliveries = emit(hook(receiver.url), 10)
    lost_messages = [r for r in caplog.records if r.getMessage().startswith("Could not queue")]
    assert len(lost_messages) == 10
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 10
    monkeypatch.undo()  # the broker is back
    worker = celery_worker_factory(pool="prefork", concurrency=2, beat=True, env=FAST)
    worker.wait_until(lambda: delivered() == 10, timeout=WAIT, what="the sweep's deliveries")
    worker.stop()
    assert_each_arrived_once(receiver, deliveries)
    record_property("deliveries", 10)
    record_property("lost", 0)
    record_property("duplicates", receiver.duplicates())


@pytest.mark.drill
def test_worker_killed_mid_batch_loses_nothing(postgresql, celery_worker_factory, record_property):
    """Worker pool `kill -9`ed mid-batch of 200: a new worker's sweep takes over what the dead
    one held once the claims' lease runs out; all 200 arrive, at most the 2 attempts cut
    mid-way (one per pool process) arrive twice (at-least-once, same X-Delivery-Id)."""
    receiver = Receiver(delay=0.05)  # slow enough that the kill lands mid-batch
    env = {**FAST, "WEBHOOK_CLAIM_SECONDS": "10"}
    try:
        first = celery_worker_factory(pool="prefork", concurrency=2, beat=True, env=env)
        deliveries = emit(hook(receiver.url), 200)
        first.wait_until(
            lambda: len(receiver.accepted()) >= 20, timeout=WAIT, what="the batch to start"
        )
        first.kill()
        at_kill = len(set(receiver.accepted()))
        assert at_kill < 200, "the kill came after the batch: nothing was cut"
        second = celery_worker_factory(pool="prefork", concurrency=2, beat=True, env=env)
        second.wait_until(lambda: delivered() == 200, timeout=WAIT + 60, what="the rest")
        second.stop()
        accepted = receiver.accepted()
        assert set(accepted) == {str(d.delivery_id) for d in deliveries}  # 0 lost
        assert receiver.duplicates() <= 2
        record_property("deliveries", 200)
        record_property("delivered_before_kill", at_kill)
        record_property("lost", 0)
        record_property("duplicates", receiver.duplicates())
    finally:
        receiver.stop()
