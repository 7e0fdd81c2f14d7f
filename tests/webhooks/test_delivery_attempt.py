"""One attempt at a delivery: the backoff written in the row, giving up at 24 h, the alert."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.utils import timezone, translation

from core.models import Notification
from core.roles import CENTRE_ADMIN, DISPATCHER
from tests.factories import StaffFactory, UserFactory
from webhooks import services
from webhooks.models import Attempt, Delivery

from .helpers import emit, hook
from .receiver import Receiver

DEAD = "http://127.0.0.1:1/hook"  # nothing listens on port 1


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def make_due(delivery: Delivery, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now(), **fields)


def test_retry_delay_doubles_from_the_base_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    delays = [services.retry_delay(n) for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.django_db
def test_a_failed_attempt_writes_the_next_time_in_the_row(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    (delivery,) = emit(hook(DEAD))
    before = timezone.now()
    assert services.delivery_attempt(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert before + dt.timedelta(seconds=30) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)
    assert delivery.claimed_until is None and delivery.claim_token is None  # lease released
    attempt = Attempt.objects.get(delivery=delivery)
    assert not attempt.ok and attempt.status_code is None and attempt.error


@pytest.mark.django_db
def test_an_error_answer_is_retried_and_logged_with_its_code(receiver):
    receiver.answer = 503
    (delivery,) = emit(hook(receiver.url))
    assert services.delivery_attempt(delivery_id=delivery.pk) is not None
    assert Attempt.objects.get(delivery=delivery).status_code == 503
    receiver.answer = 200
    make_due(delivery)
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 2
    assert delivery.delivered_at is not None
    assert receiver.accepted() == [str(delivery.delivery_id)] * 1


@pytest.mark.django_db
def test_the_last_try_is_at_24_hours_then_it_fails(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 3600
    (delivery,) = emit(hook(DEAD))
    # 23 h 30 min old: the next hour would pass the 24 h, so the next try is at 24 h sharp.
    created = timezone.now() - dt.timedelta(hours=23, minutes=30)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=created)
    delay = services.delivery_attempt(delivery_id=delivery.pk)
    assert 0 < delay <= 30 * 60
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == created + dt.timedelta(hours=24)
    make_due(delivery, created_at=timezone.now() - dt.timedelta(hours=24))
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.failed_at is not None
    assert not services.deliveries_due(now=timezone.now() + dt.timedelta(days=2)).exists()


@pytest.mark.django_db
def test_giving_up_alerts_the_centre_admins_once_an_hour_per_receiver(settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    superuser = UserFactory(is_staff=True, is_superuser=True, language="en")
    centre_admin = StaffFactory()
    centre_admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    dispatcher = StaffFactory()  # outsider: other staff are not told
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))
    former = StaffFactory(is_active=False)
    former.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    webhook = hook(DEAD, label="Fire department")
    first, second = emit(webhook, count=2)
    Delivery.objects.filter(webhook=webhook).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    services.delivery_attempt(delivery_id=first.pk)
    services.delivery_attempt(delivery_id=second.pk)
    assert Delivery.objects.filter(status=Delivery.Status.FAILED).count() == 2
    notes = Notification.objects.order_by("recipient_id")
    assert {n.recipient for n in notes} == {superuser, centre_admin}  # one each, not two
    english = notes.get(recipient=superuser)
    with translation.override("en"):  # rendered when read, in the reader's language
        assert english.heading == "Webhook deliveries failed: Fire department"
        assert DEAD in english.text and str(first.delivery_id) in english.text
    assert english.link == f"/admin/webhooks/delivery/{first.pk}/change/"
    assert not Notification.objects.filter(recipient__in=[dispatcher, former]).exists()
    # The e-mail goes after commit; this test's transaction never commits, so none yet.
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_giving_up_mails_the_admins_after_commit(settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    (delivery,) = emit(hook(DEAD, label="Platform"))  # the fast path fails: retried later
    make_due(delivery, created_at=timezone.now() - dt.timedelta(hours=25))
    services.delivery_attempt(delivery_id=delivery.pk)
    assert len(mail.outbox) == 1
    assert "Platform" in mail.outbox[0].subject and DEAD in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_no_http_call_runs_inside_a_transaction(monkeypatch, receiver):
    """Fast path (on commit), sweep and admin redelivery all call the receiver with no
    transaction open: a slow receiver holds no lock and no database transaction."""
    from django.db import transaction

    calls: list[bool] = []
    real = services._urlopen

    def opener(request, timeout):
        calls.append(connection.in_atomic_block)
        return real(request, timeout=timeout)

    monkeypatch.setattr(services, "_urlopen", opener)
    webhook = hook(receiver.url)
    (fast,) = emit(webhook)  # eager: the on-commit task runs inline
    assert Delivery.objects.get(pk=fast.pk).status == Delivery.Status.DELIVERED
    receiver.answer = 503
    (swept,) = emit(webhook)
    receiver.answer = 200
    make_due(swept)
    assert services.deliveries_sweep() == 1
    services.delivery_redeliver(delivery=Delivery.objects.get(pk=fast.pk))
    with transaction.atomic():  # a caller's transaction: the fast path waits for its commit
        services.delivery_redeliver(delivery=Delivery.objects.get(pk=swept.pk))
        assert len(calls) == 4
    assert calls == [False] * 5
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db
def test_a_non_http_url_is_never_opened(monkeypatch):
    opened: list = []
    monkeypatch.setattr(services, "_urlopen", lambda *a, **k: opened.append(a))
    webhook = hook("ftp://example.org/hook")
    (delivery,) = emit(webhook)
    assert services.delivery_attempt(delivery_id=delivery.pk) is not None
    assert opened == []
    assert Attempt.objects.get(delivery=delivery).error == "not an http(s) URL"


@pytest.mark.django_db
def test_an_answer_that_is_not_http_is_a_failed_attempt():
    """A broken receiver must not crash the task (which would retry it forever unlogged)."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))

    def answer_garbage():
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"garbage\r\n\r\n")

    threading.Thread(target=answer_garbage, daemon=True).start()
    try:
        (delivery,) = emit(hook(f"http://127.0.0.1:{server.getsockname()[1]}/hook"))
        assert services.delivery_attempt(delivery_id=delivery.pk) is not None
    finally:
        server.close()
    attempt = Attempt.objects.get(delivery=delivery)
    assert not attempt.ok and attempt.status_code is None and attempt.error
    assert Delivery.objects.get(pk=delivery.pk).claimed_until is None
