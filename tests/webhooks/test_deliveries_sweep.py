"""The beat sweep: the outbox's safety net for lost messages, retries and dead workers' leases."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from riders_portal.celery import app as celery_app
from webhooks import services
from webhooks.models import Delivery

from .helpers import emit, hook
from .receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_beat_runs_the_sweep():
    entry = django_settings.CELERY_BEAT_SCHEDULE["deliver-due-webhooks"]
    assert entry["task"] == "webhooks.tasks.sweep_webhook_deliveries"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 60  # retries and lost messages wait at most this long


@pytest.mark.django_db
def test_the_sweep_delivers_what_the_fast_path_never_queued(
    receiver, django_capture_on_commit_callbacks
):
    """Before the outbox a delivery whose message was lost stayed pending forever."""
    deliveries = emit(hook(receiver.url), count=3, fast_path=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_sweep() == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert sorted(receiver.accepted()) == sorted(str(d.delivery_id) for d in deliveries)


@pytest.mark.django_db
def test_the_sweep_takes_only_due_unclaimed_rows(receiver, django_capture_on_commit_callbacks):
    due, later, claimed, expired, done, failed = emit(hook(receiver.url), 6, fast_path=False)
    now = timezone.now()
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=now + dt.timedelta(minutes=1))
    Delivery.objects.filter(pk=claimed.pk).update(claimed_until=now + dt.timedelta(minutes=1))
    # A worker died holding this one: its lease ran out, so it is due again.
    Delivery.objects.filter(pk=expired.pk).update(claimed_until=now - dt.timedelta(seconds=1))
    Delivery.objects.filter(pk=done.pk).update(status=Delivery.Status.DELIVERED)
    Delivery.objects.filter(pk=failed.pk).update(status=Delivery.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.deliveries_sweep() == 2
    assert len(callbacks) == 2
    assert sorted(receiver.accepted()) == sorted([str(due.delivery_id), str(expired.delivery_id)])
    assert Delivery.objects.get(pk=later.pk).status == Delivery.Status.PENDING


@pytest.mark.django_db
def test_the_sweep_works_in_bounded_batches(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_SWEEP_BATCH_SIZE = 2
    settings.WEBHOOK_SWEEP_MAX_PER_RUN = 4
    emit(hook("http://127.0.0.1:1/hook"), 5, fast_path=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.deliveries_sweep() == 4  # the fifth waits for the next run
    assert len(callbacks) == 4
    claimed = Delivery.objects.filter(claimed_until__isnull=False)
    assert claimed.count() == 4 and claimed.values("claim_token").distinct().count() == 2
    with django_capture_on_commit_callbacks(execute=False):
        assert services.deliveries_sweep() == 1  # the claimed four are not taken twice


@pytest.mark.django_db
def test_a_task_left_over_from_an_old_claim_does_nothing(receiver):
    """A broker message handed out twice (visibility timeout) cannot send twice."""
    (delivery,) = emit(hook(receiver.url), fast_path=False)
    token = services.delivery_claim(delivery_id=delivery.pk)
    assert services.delivery_attempt(delivery_id=delivery.pk, claim=str(token)) is None
    assert services.delivery_attempt(delivery_id=delivery.pk, claim=str(token)) is None
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    assert receiver.accepted() == [str(delivery.delivery_id)]
