"""Signed webhooks: who gets which event, the signature, retries, giving up, redelivery."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import services, workflow
from tests.factories import DepartmentFactory, ReportFactory
from webhooks.models import Attempt, Delivery, Webhook
from webhooks.services import delivery_attempt


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent; fails the first N."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                failing = len(receiver.received) <= receiver.fail_first
                self.send_response(503 if failing else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def hook(url, department=None, events=("report.routed", "report.closed")) -> Webhook:
    return Webhook.objects.create(
        label="test", url=url, department=department, events=list(events), secret="s3cret"
    )


def verify(received: dict, secret: str = "s3cret") -> dict:
    expected = "sha256=" + hmac.new(secret.encode(), received["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received["headers"]["X-Signature"], expected)
    return json.loads(received["body"])


@pytest.mark.django_db
def test_department_and_platform_receivers_get_their_events(
    receiver, django_capture_on_commit_callbacks
):
    department, other = DepartmentFactory(), DepartmentFactory()
    mine = hook(receiver.url, department)
    platform = hook(receiver.url, None, events=["report.closed"])
    hook(receiver.url, other)
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.route(ReportFactory(), department=department)
    assert list(Delivery.objects.values_list("webhook", "event")) == [(mine.pk, "report.routed")]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.resolve(report, department=department, reply="ok")
    closed = Delivery.objects.filter(event="report.closed")
    assert {d.webhook_id for d in closed} == {mine.pk, platform.pk}
    assert all(d.status == "delivered" for d in Delivery.objects.all())
    payload = verify(receiver.received[-1])
    assert payload["report"]["id"] == report.public_id and payload["event"] == "report.closed"
    text = json.dumps(payload, ensure_ascii=False)
    assert report.rider.phone not in text and report.rider.name not in text
    headers = receiver.received[-1]["headers"]
    assert headers["X-Delivery-Id"] == payload["delivery_id"]
    assert abs(int(headers["X-Timestamp"]) - dt.datetime.now().timestamp()) < 60


@pytest.mark.django_db
def test_overdue_and_escalated_events_from_the_sweep(receiver):
    department = DepartmentFactory()
    hook(receiver.url, department, events=["report.overdue", "report.escalated"])
    report = workflow.route(ReportFactory(), department=department)
    services.report_deadlines_sweep(now=report.due_at + dt.timedelta(minutes=1))
    services.report_deadlines_sweep(now=report.due_at + dt.timedelta(hours=25))
    assert list(Delivery.objects.order_by("id").values_list("event", flat=True)) == [
        "report.overdue",
        "report.escalated",
    ]


@pytest.mark.django_db
def test_failure_is_logged_and_retried_then_given_up_after_24_hours():
    department = DepartmentFactory()
    dead = hook("http://127.0.0.1:1/hook", department)  # nothing listens
    workflow.route(ReportFactory(), department=department)
    delivery = Delivery.objects.get(webhook=dead)
    assert delivery_attempt(delivery_id=delivery.pk) == 30  # first retry after the base delay
    # The retry's time is in the row (the sweep sends it then): make it due now.
    assert delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: no attempt
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert delivery_attempt(delivery_id=delivery.pk) == 60  # then doubling
    attempt = Attempt.objects.filter(delivery=delivery).first()
    assert not attempt.ok and attempt.error
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=delivery.created_at - dt.timedelta(hours=25), next_attempt_at=timezone.now()
    )
    assert delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3


@pytest.mark.django_db
def test_redeliver_action(client, receiver, django_capture_on_commit_callbacks):
    from core.models import User

    department = DepartmentFactory()
    webhook = hook("http://127.0.0.1:1/hook", department)
    workflow.route(ReportFactory(), department=department)
    delivery = Delivery.objects.get()
    delivery_attempt(delivery_id=delivery.pk)
    Webhook.objects.filter(pk=webhook.pk).update(url=receiver.url)
    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:webhooks_delivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_admin_refuses_non_http_urls(client):
    from core.models import User

    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    response = client.post(
        reverse("admin:webhooks_webhook_add"),
        {
            "label": "x",
            "url": "ftp://example.org/x",
            "secret": "s",
            "events": ["report.closed"],
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and not Webhook.objects.exists()


@pytest.fixture
def fast_retries(monkeypatch):
    # Read by the worker process the `celery_worker` fixture starts after this one.
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "0.3")


@pytest.mark.worker
def test_real_worker_delivers_a_signed_event(fast_retries, celery_worker, receiver):
    department = DepartmentFactory()
    hook(receiver.url, department)
    report = workflow.route(ReportFactory(), department=department)
    celery_worker(lambda: len(receiver.received) == 1, what="the signed delivery")
    assert verify(receiver.received[0])["report"]["id"] == report.public_id
    celery_worker(lambda: Delivery.objects.get().status == "delivered", what="the delivery log")


@pytest.mark.worker
def test_receiver_failing_twice_gets_one_successful_delivery(fast_retries, celery_worker_factory):
    # Retries are the row's next_attempt_at, sent by the beat sweep: the worker runs beat.
    worker = celery_worker_factory(beat=True, env={"WEBHOOK_SWEEP_SECONDS": "0.5"})
    receiver = Receiver(fail_first=2)
    try:
        department = DepartmentFactory()
        hook(receiver.url, department)
        workflow.route(ReportFactory(), department=department)
        worker.wait_until(
            lambda: Delivery.objects.get().status == "delivered", timeout=120, what="the retries"
        )
        delivery = Delivery.objects.get()
        assert delivery.attempts == 3
        assert list(delivery.attempt_log.values_list("ok", flat=True)) == [False, False, True]
        assert len(receiver.received) == 3
        assert len({r["headers"]["X-Delivery-Id"] for r in receiver.received}) == 1
    finally:
        receiver.close()
