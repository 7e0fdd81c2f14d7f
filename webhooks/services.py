"""Emit report events to subscribed receivers and deliver them, signed, with retries."""

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.queue import enqueue_on_commit

from .models import Attempt, Delivery, Webhook

GIVE_UP_AFTER = dt.timedelta(hours=24)
MAX_ATTEMPTS = 40
TIMEOUT_SECONDS = 5  # a slow receiver must not hold a worker

# Receivers change rarely and are looked up at every status change: each process keeps them
# for a short while, cleared at once in the process that saves one.
CACHE_TTL_SECONDS = 30
_cache: dict = {"loaded_at": 0.0, "hooks": []}


def webhooks_forget(**_kwargs) -> None:
    _cache["loaded_at"] = 0.0


def _active_webhooks() -> list[Webhook]:
    if time.monotonic() - _cache["loaded_at"] > CACHE_TTL_SECONDS:
        _cache["hooks"] = list(Webhook.objects.filter(is_active=True))
        _cache["loaded_at"] = time.monotonic()
    return _cache["hooks"]


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def report_payload(event: str, report) -> dict:
    """What receivers get: the report's public facts, never the rider's personal data."""
    return {
        "event": event,
        "report": {
            "id": report.public_id,
            "status": report.status,
            "category": report.category.code if report.category_id else None,
            "department": report.department.code if report.department_id else None,
            "due_at": report.due_at.isoformat() if report.due_at else None,
            "closed_at": report.closed_at.isoformat() if report.closed_at else None,
            "overdue": report.is_overdue,
            "escalation_level": report.escalation_level,
        },
    }


def webhooks_emit(*, event: str, reports: list) -> int:
    """Queue a delivery of `event` for each report to each subscribed receiver (after commit)."""
    hooks = [hook for hook in _active_webhooks() if event in hook.events]
    if not hooks:
        return 0  # `reports` may be a lazy queryset: it is read only when someone listens
    deliveries = [
        Delivery(
            webhook=hook, event=event, report_id=report.pk, payload=report_payload(event, report)
        )
        for report in reports
        for hook in hooks
        if hook.department_id is None or hook.department_id == report.department_id
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    from .tasks import deliver_webhook

    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk)
    return len(deliveries)


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base, 2×, 4×, … capped at an hour."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)


def delivery_attempt(*, delivery_id: int) -> float | None:
    """Try one delivery. Returns the delay before the next try, or None when it is finished."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("webhook")
            .filter(pk=delivery_id, status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
            .first()
        )
        if delivery is None:
            return None  # done, given up, or another worker has it right now
        sent_at = timezone.now()
        body = json.dumps(
            {
                **delivery.payload,
                "delivery_id": str(delivery.delivery_id),
                "sent_at": sent_at.isoformat(),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        # Only http(s): the admin form's URLField also allows ftp, which must never be opened.
        if not delivery.webhook.url.startswith(("http://", "https://")):
            raise ValueError(f"webhook {delivery.webhook_id} has a non-HTTP URL")
        request = urllib.request.Request(delivery.webhook.url, data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        request.add_header("User-Agent", "RidersPortal-Webhooks/1")
        request.add_header("X-Event", delivery.event)
        request.add_header("X-Delivery-Id", str(delivery.delivery_id))
        request.add_header("X-Timestamp", str(int(sent_at.timestamp())))
        request.add_header("X-Signature", signature(delivery.webhook.secret, body))
        started = time.monotonic()
        status_code, error = None, ""
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                status_code = response.status
        except urllib.error.HTTPError as failure:
            status_code = failure.code
        except (urllib.error.URLError, TimeoutError, OSError) as failure:
            error = str(getattr(failure, "reason", failure))[:300]
        ok = status_code is not None and 200 <= status_code < 300
        Attempt.objects.create(
            delivery=delivery,
            ok=ok,
            status_code=status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
            error=error,
        )
        delivery.attempts += 1
        if ok:
            delivery.status, delivery.delivered_at = Delivery.Status.SUCCEEDED, timezone.now()
            delay = None
        elif (
            timezone.now() - delivery.created_at >= GIVE_UP_AFTER
            or delivery.attempts >= MAX_ATTEMPTS
        ):
            delivery.status, delay = Delivery.Status.GAVE_UP, None
        else:
            delivery.status, delay = Delivery.Status.FAILED, retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "attempts", "delivered_at"])
    return delay


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery again (admin action), whatever happened to it before."""
    from .tasks import deliver_webhook

    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING)
        enqueue_on_commit(deliver_webhook, delivery.pk)
    return delivery
