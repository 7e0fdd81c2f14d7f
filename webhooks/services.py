"""Emit report events to subscribed receivers and deliver them, signed, through an outbox.

`webhooks_emit` writes one `Delivery` row per receiver in the caller's transaction (so the
event and its deliveries commit or roll back together) and queues the fast path after commit.
Every attempt — fast path or sweep — claims the row first with a conditional UPDATE, so two
workers never send the same delivery at once; the HTTP call runs outside any transaction; the
outcome and the next time are written in the row. Delivery is at least once: a worker killed
after the receiver answered but before the row was updated sends it again, with the same
`X-Delivery-Id`, which receivers de-duplicate (docs/webhooks.md).
"""

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from core.memo import ProcessMemo
from core.models import Notification, User
from core.queue import enqueue_on_commit, enqueue_on_commit_to
from core.roles import CENTRE_ADMIN, NATIONAL_ADMIN
from core.services import notification_build
from governance import routing
from governance.models import Report

from . import messages
from .models import Attempt, Delivery, Webhook

logger = logging.getLogger("webhooks")

# At most one "deliveries are failing" alert per receiver in this time.
ALERT_INTERVAL = dt.timedelta(hours=1)

# Receivers change rarely and are looked up at every status change: each process keeps them
# for a short while, cleared at once in the process that saves one.
_active_webhooks_memo = ProcessMemo(
    lambda: list(Webhook.objects.filter(is_active=True)), ttl_seconds=30
)
webhooks_forget = _active_webhooks_memo.forget


def _active_webhooks() -> list[Webhook]:
    return _active_webhooks_memo.get()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def report_payload(event: str, report: Report) -> dict[str, object]:
    """What receivers get: the report's public facts, never the rider's personal data — nor
    the rider's answer to "is it fixed?" (the department reads it in the API, without who)."""
    return {
        "event": event,
        "report": {
            "id": report.public_id,
            "status": report.status,
            "category": report.category.code if report.category_id else None,
            "department": report.department.code if report.department else None,
            "due_at": _iso(report.due_at),
            "closed_at": _iso(report.closed_at),
            "overdue": report.is_overdue,
            "escalation_level": report.escalation_level,
            # The closed loop: when the rider's check of a resolution is due (else null), and
            # how often the rider said "not fixed" (a reopen brings a new `due_at`).
            "verify_by": _iso(report.verify_by),
            "reopen_count": report.reopen_count,
        },
    }


def webhooks_emit(
    *,
    event: str,
    reports: Iterable[Report],
    queue: str | None = None,
    to_department_id: int | None = None,
) -> int:
    """Write a delivery of `event` for each report to each subscribed receiver, in the caller's
    transaction (the outbox), and queue its first attempt for after commit (the fast path; if
    that message is lost, the sweep sends it).

    `to_department_id`: only that department's receivers (an assisting department, 联办), not
    the report's department's nor the platform's; by default the report's department's and
    the platform receivers of the report's city (never another city's, issue 19)."""
    hooks = [hook for hook in _active_webhooks() if event in hook.events]
    if to_department_id is not None:
        hooks = [hook for hook in hooks if hook.department_id == to_department_id]
    if not hooks:
        return 0  # `reports` may be a lazy queryset: it is read only when someone listens
    table = routing.table()  # the report's city from its district, without a query
    deliveries = [
        Delivery(
            webhook=hook, event=event, report_id=report.pk, payload=report_payload(event, report)
        )
        for report in reports
        for hook in hooks
        if to_department_id is not None
        or (hook.department_id is None and hook.city_id == table.city_of(report.district_id))
        or (hook.department_id is not None and hook.department_id == report.department_id)
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    from .tasks import deliver_webhook

    for delivery in deliveries:
        if queue:  # an urgent page: its own queue (WEBHOOK_URGENT_QUEUE)
            enqueue_on_commit_to(queue, deliver_webhook, delivery.pk)
        else:
            enqueue_on_commit(deliver_webhook, delivery.pk)
    return len(deliveries)


def retry_delay(attempts: int) -> float:
    """Exponential backoff after the n-th failed attempt: base, 2×, 4×, … capped."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * factor,
        settings.WEBHOOK_RETRY_MAX_SECONDS,
    )


def give_up_at(delivery: Delivery) -> dt.datetime:
    return delivery.created_at + dt.timedelta(seconds=settings.WEBHOOK_GIVE_UP_SECONDS)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)


def _unclaimed(now: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def deliveries_due(*, now: dt.datetime) -> QuerySet[Delivery]:
    """Pending rows whose time has come and that no live worker holds."""
    return Delivery.objects.filter(
        _unclaimed(now), status=Delivery.Status.PENDING, next_attempt_at__lte=now
    )


def deliveries_due_for_update(*, now: dt.datetime) -> QuerySet[Delivery]:
    """The sweep's lock: the due delivery rows only (`OF self`), never the receiver's row, and
    skipping rows another sweep is claiming right now."""
    return deliveries_due(now=now).select_for_update(skip_locked=True, of=("self",))


def delivery_claim(
    *, delivery_id: int, claim: uuid.UUID | None = None, now: dt.datetime | None = None
) -> uuid.UUID | None:
    """Take the lease on a due delivery. Returns the new token, or None if it is not due, is
    finished, or another worker holds it (the conditional UPDATE changed no row).

    `claim` is the token of a lease the sweep took for this task: it may be renewed even
    though it has not run out.
    """
    now = now or timezone.now()
    free = _unclaimed(now)
    if claim is not None:
        free |= Q(claim_token=claim)
    token = uuid.uuid4()
    won = Delivery.objects.filter(
        free, pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(claimed_until=now + _lease(), claim_token=token)
    return token if won == 1 else None


# The one place that opens a connection to a receiver (tests patch it).
_urlopen = urllib.request.urlopen


def _send(delivery: Delivery) -> tuple[int | None, str, int]:
    """POST the signed delivery. Returns (status code, error, duration in ms). Never called in
    a transaction: a slow receiver must not hold locks or a database transaction open."""
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
        return None, "not an http(s) URL", 0
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
        with _urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as failure:
        status_code = failure.code
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as failure:
        # Refused, timed out, reset, or an answer that is not HTTP: all are failed attempts.
        error = str(getattr(failure, "reason", failure))[:300] or type(failure).__name__
    return status_code, error, int((time.monotonic() - started) * 1000)


def delivery_attempt(*, delivery_id: int, claim: uuid.UUID | str | None = None) -> float | None:
    """Try one due delivery. Returns the seconds until the next try, or None when there is no
    next try from here (delivered, failed, not due, or another worker holds it)."""
    if isinstance(claim, str):
        claim = uuid.UUID(claim)
    token = delivery_claim(delivery_id=delivery_id, claim=claim)
    if token is None:
        return None
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return None  # its receiver was deleted meanwhile
    status_code, error, duration_ms = _send(delivery)
    ok = status_code is not None and 200 <= status_code < 300
    return _delivery_record(
        delivery=delivery,
        token=token,
        ok=ok,
        status_code=status_code,
        error=error,
        duration_ms=duration_ms,
    )


def _delivery_record(
    *,
    delivery: Delivery,
    token: uuid.UUID,
    ok: bool,
    status_code: int | None,
    error: str,
    duration_ms: int,
) -> float | None:
    """Log the attempt and write the outcome and the next time in the row, releasing the lease.

    If our lease ran out meanwhile (a stalled worker) another worker may hold the row: the
    attempt is still logged and a success still counts, but the schedule is left to the holder.
    """
    now = timezone.now()
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            ok=ok,
            status_code=status_code,
            duration_ms=duration_ms,
            error=error,
        )
        if ok:
            Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.DELIVERED,
                delivered_at=now,
                attempts=F("attempts") + 1,
                claimed_until=None,
                claim_token=None,
            )
            return None
        mine = Delivery.objects.filter(pk=delivery.pk, claim_token=token)
        attempts = delivery.attempts + 1
        deadline = give_up_at(delivery)
        if now >= deadline:
            if mine.update(
                status=Delivery.Status.FAILED,
                failed_at=now,
                attempts=F("attempts") + 1,
                claimed_until=None,
                claim_token=None,
            ):
                delivery.attempts, delivery.failed_at = attempts, now
                _alert_centre_admins(delivery=delivery, now=now)
            return None
        # The last try is at the 24 h mark itself; after that one fails, the row is failed.
        next_attempt_at = min(now + dt.timedelta(seconds=retry_delay(attempts)), deadline)
        if not mine.update(
            next_attempt_at=next_attempt_at,
            attempts=F("attempts") + 1,
            claimed_until=None,
            claim_token=None,
        ):
            return None
    return (next_attempt_at - now).total_seconds()


def centre_admins(*, city_id: int | None = None) -> QuerySet[User]:
    """The centre admins (of `city_id`, and the national ones) and superusers."""
    admins = Q(groups__name=CENTRE_ADMIN)
    if city_id is not None:
        admins &= Q(city_id=city_id)
    return User.objects.filter(
        Q(is_superuser=True) | admins | Q(groups__name=NATIONAL_ADMIN),
        is_active=True,
        is_staff=True,
    ).distinct()


def _alert_centre_admins(*, delivery: Delivery, now: dt.datetime) -> None:
    """A receiver gave up a delivery: tell the centre admins, at most once an hour per receiver.

    An inbox message for each centre admin (rendered in the reader's language, with a link to
    the delivery) and an e-mail to ADMINS after commit; the error log reaches Sentry when on.
    """
    webhook = delivery.webhook
    logger.error(
        "Webhook delivery %s to %s (webhook %s) failed after %d attempts",
        delivery.delivery_id,
        webhook.url,
        webhook.pk,
        delivery.attempts,
    )
    recently = Delivery.objects.filter(
        webhook_id=webhook.pk, status=Delivery.Status.FAILED, failed_at__gte=now - ALERT_INTERVAL
    ).exclude(pk=delivery.pk)
    if recently.exists():
        return
    failing = Delivery.objects.filter(webhook_id=webhook.pk, status=Delivery.Status.FAILED).count()
    message = messages.DELIVERY_GIVEN_UP
    params = {
        "webhook": webhook.label,
        "url": webhook.url,
        "event": delivery.event,
        "delivery": str(delivery.delivery_id),
        "count": failing,
    }
    link = reverse("admin:webhooks_delivery_change", args=[delivery.pk])
    notifications = [
        notification_build(recipient=user, message=message, params=params, link=link)
        for user in centre_admins(city_id=webhook.city_id)
    ]
    Notification.objects.bulk_create(notifications)
    with override(settings.LANGUAGE_CODE):
        subject = message.render_title(params)
        text = f"{message.render_body(params)}\n\n{link}"
    transaction.on_commit(lambda: mail_admins(subject, text, fail_silently=True))


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """The safety net (beat): claim due deliveries in batches and queue an attempt for each.

    Finds what the fast path missed — the broker was down at emit time, a worker died
    mid-attempt (its lease ran out), a retry's time came. Each batch is claimed under
    `FOR UPDATE SKIP LOCKED OF` the deliveries, so two sweeps never take the same rows, and the
    claim's token travels with each task so that task (and no other) may use the lease.
    Returns how many were queued.
    """
    from .tasks import deliver_webhook

    now = now or timezone.now()
    batch_size = settings.WEBHOOK_SWEEP_BATCH_SIZE
    queued = 0
    # Bounded per run: a backlog is worked off over several runs, not by one endless task.
    while queued < settings.WEBHOOK_SWEEP_MAX_PER_RUN:
        with transaction.atomic():
            ids = list(
                deliveries_due_for_update(now=now)
                .order_by("next_attempt_at")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            token = uuid.uuid4()
            Delivery.objects.filter(pk__in=ids).update(
                claimed_until=now + _lease(), claim_token=token
            )
            for pk in ids:
                enqueue_on_commit(deliver_webhook, pk, str(token))
        queued += len(ids)
        if len(ids) < batch_size:
            break
    return queued


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery again now (admin action), whatever happened to it before.

    It is the same delivery (same `X-Delivery-Id`). Past the 24 h it gets one more try; if
    that fails it is failed again. A lease held by a worker trying it right now is kept.
    """
    from .tasks import deliver_webhook

    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=now, failed_at=None
        )
        enqueue_on_commit(deliver_webhook, delivery.pk)
    delivery.refresh_from_db()
    return delivery
