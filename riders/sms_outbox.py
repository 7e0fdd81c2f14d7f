"""The SMS outbox: every SMS is a row (riders.SMSLog) before it is a network call.

`sms_queue` writes the row in the caller's transaction and queues its send task for after
commit (the fast path). `sms_attempt` — the task, the sweep's tasks, or the sign-in request
itself for a code — claims the row with a conditional UPDATE (so two workers never send one
SMS at once), calls the gateway outside any transaction, and writes the outcome: sent with the
gateway's message id, a retry time for a transient error, failed for a permanent one, expired
when the message is no longer worth sending (a code that can no longer sign in). The beat sweep
sends whatever a lost message left queued. Delivery is at least once: a worker killed after
the gateway took the SMS but before the row was written sends it again when its lease runs out.

The log never holds a code or a rendered text. What the worker needs to send a queued row (the
full number and the params) is kept in `payload`, encrypted (Fernet) with a key derived from
SECRET_KEY, and erased in the same UPDATE that takes the row out of `queued`. That is no more
than SignInCode already keeps: its HMAC of a 6-digit code, under the same key, gives the code
back to whoever holds SECRET_KEY and a million tries.
"""

import base64
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import PHONE_PATTERN, SignInCode, SMSLog, SMSStatus, mask_phone
from .sms import BaseSMSSender, SMSError, SMSMessage, get_sms_sender
from .sms_templates import sms_kind

logger = logging.getLogger("riders.sms")

SWEEP_BATCH_SIZE = 500
SWEEP_MAX_PER_RUN = 5000


def _fernet() -> Fernet:
    key = salted_hmac("riders.sms_outbox", "payload-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(*, phone: str, params: Mapping[str, Any]) -> str:
    data = json.dumps({"phone": phone, "params": dict(params)}, ensure_ascii=False)
    return _fernet().encrypt(data.encode()).decode()


def _unseal(payload: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(_fernet().decrypt(payload.encode()))
    except (InvalidToken, ValueError):
        return None  # SECRET_KEY changed since it was queued
    return data


def sms_build(
    *,
    phone: str,
    kind: str,
    params: Mapping[str, Any],
    language: str = "",
    expires_at: dt.datetime | None = None,
    next_attempt_at: dt.datetime | None = None,
    sign_in_code: SignInCode | None = None,
    gateway: str | None = None,
    subject: str = "",
    city_id: int | None = None,
) -> SMSLog:
    """An unsaved queued SMS row (for callers that insert many at once with bulk_create, as
    riders/notify.py does). Wrong params, an unknown kind or a malformed number raise ValueError.

    `next_attempt_at`: not before then (a message held back by the quiet hours); default now.
    """

    message_kind = sms_kind(kind)
    message_kind.check_params(params)
    if not re.fullmatch(PHONE_PATTERN, phone):
        raise ValueError("An SMS goes to an 11-digit mainland mobile number")
    now = timezone.now()
    first_try = next_attempt_at or now
    return SMSLog(
        kind=kind,
        city_id=city_id,
        phone_masked=mask_phone(phone),
        gateway=gateway if gateway is not None else get_sms_sender().gateway,
        language=language,
        payload=_seal(phone=phone, params=params),
        sign_in_code=sign_in_code,
        subject=subject,
        created_at=now,
        next_attempt_at=first_try,
        expires_at=expires_at or first_try + dt.timedelta(seconds=settings.SMS_GIVE_UP_SECONDS),
    )


def sms_create(
    *,
    phone: str,
    kind: str,
    params: Mapping[str, Any],
    language: str = "",
    expires_at: dt.datetime | None = None,
    sign_in_code: SignInCode | None = None,
    gateway: str | None = None,
    city_id: int | None = None,
) -> SMSLog:
    """Write a queued SMS row in the caller's transaction (no task: see sms_queue).

    `city_id`: the recipient's city, whose sign name the message carries."""
    log = sms_build(
        phone=phone,
        kind=kind,
        params=params,
        language=language,
        expires_at=expires_at,
        sign_in_code=sign_in_code,
        gateway=gateway,
        city_id=city_id,
    )
    log.save()
    return log


def sms_queue(
    *,
    phone: str,
    kind: str,
    params: Mapping[str, Any],
    language: str = "",
    expires_at: dt.datetime | None = None,
    city_id: int | None = None,
) -> SMSLog:
    """Queue one SMS: the row now, in the caller's transaction; the send after commit.

    `expires_at`: when the message stops being worth sending (default SMS_GIVE_UP_SECONDS).
    """
    from core.queue import enqueue_on_commit

    from .tasks import send_sms

    log = sms_create(
        phone=phone,
        kind=kind,
        params=params,
        language=language,
        expires_at=expires_at,
        city_id=city_id,
    )
    enqueue_on_commit(send_sms, log.pk)
    return log


def retry_delay(attempts: int) -> float:
    """Backoff after the n-th failed try: base, 2×, 4×, … capped."""
    factor: int = 2 ** max(attempts - 1, 0)
    return float(min(settings.SMS_RETRY_BASE_SECONDS * factor, settings.SMS_RETRY_MAX_SECONDS))


def _unclaimed(now: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def sms_claim(
    *, log_id: int, claim: uuid.UUID | None = None, now: dt.datetime | None = None
) -> uuid.UUID | None:
    """Take the lease on a queued, due row; None if it is not due, done, or held by another
    worker. `claim`: the token of a lease the sweep took for this task."""
    now = now or timezone.now()
    free = _unclaimed(now)
    if claim is not None:
        free |= Q(claim_token=claim)
    token = uuid.uuid4()
    won = SMSLog.objects.filter(
        free, pk=log_id, status=SMSStatus.QUEUED, next_attempt_at__lte=now
    ).update(
        claimed_until=now + dt.timedelta(seconds=settings.SMS_CLAIM_SECONDS), claim_token=token
    )
    return token if won == 1 else None


def _finish(
    log_id: int, token: uuid.UUID, *, status: str, error_code: str = "", now: dt.datetime
) -> None:
    SMSLog.objects.filter(pk=log_id, status=SMSStatus.QUEUED, claim_token=token).update(
        status=status,
        error_code=error_code,
        payload="",
        finished_at=now,
        claimed_until=None,
        claim_token=None,
    )


def sms_withdraw(*, subject: str) -> int:
    """The matter `subject` is over (an offer answered, cancelled or expired): its messages not
    sent yet — held for the end of quiet hours, or waiting for a retry — are not sent at all.
    Marked expired with error code `withdrawn`, their payload erased; a row a worker is sending
    right now is left to it. How many were withdrawn."""
    if not subject:
        return 0
    now = timezone.now()
    return (
        SMSLog.objects.filter(subject=subject, status=SMSStatus.QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(status=SMSStatus.EXPIRED, error_code="withdrawn", payload="", finished_at=now)
    )


def _worth_sending(log: SMSLog, now: dt.datetime) -> bool:
    if log.expires_at <= now:
        return False
    if sms_kind(log.kind).name == "sign_in_code":
        # A newer code, a used one, one locked by wrong tries or purged: this SMS is no use.
        return log.sign_in_code is not None and log.sign_in_code.is_live(now)
    return True


@dataclass(frozen=True)
class Outcome:
    status: str  # the row's status after this try
    retry_in: float | None = None  # seconds, for a transient failure with tries left


def sms_attempt(
    *,
    log_id: int,
    claim: uuid.UUID | str | None = None,
    timeout: float | None = None,
    sender: BaseSMSSender | None = None,
) -> Outcome | None:
    """One try at a queued SMS; None when there was nothing to try (not due, done, held)."""
    if isinstance(claim, str):
        claim = uuid.UUID(claim)
    token = sms_claim(log_id=log_id, claim=claim)
    if token is None:
        return None
    log = SMSLog.objects.select_related("sign_in_code", "city").get(pk=log_id)
    now = timezone.now()
    if not _worth_sending(log, now):
        _finish(log.pk, token, status=SMSStatus.EXPIRED, now=now)
        return Outcome(SMSStatus.EXPIRED)
    data = _unseal(log.payload)
    if data is None:
        logger.error("SMS %s (%s): payload unreadable, SECRET_KEY changed?", log.pk, log.kind)
        _finish(log.pk, token, status=SMSStatus.FAILED, error_code="payload_unreadable", now=now)
        return Outcome(SMSStatus.FAILED)
    message = SMSMessage(
        phone=data["phone"],
        kind=log.kind,
        params=data["params"],
        language=log.language,
        # The recipient's city's signature (Qingdao's and Jinan's are approved separately).
        sign_name=log.city.sign_name if log.city is not None else "",
    )
    try:
        sender = sender or get_sms_sender()
        message_id = sender.send(message, timeout=timeout)
    except ImproperlyConfigured as error:
        # A kind with no template code, missing credentials: the operator must act.
        logger.error("SMS %s (%s) not sent: %s", log.pk, log.kind, error)
        _finish(log.pk, token, status=SMSStatus.FAILED, error_code="not_configured", now=now)
        return Outcome(SMSStatus.FAILED)
    except SMSError as error:
        return _record_failure(log, token, error)
    SMSLog.objects.filter(pk=log.pk, status=SMSStatus.QUEUED).update(
        status=SMSStatus.SENT,
        gateway=sender.gateway,
        message_id=message_id[:64],
        error_code="",
        attempts=F("attempts") + 1,
        payload="",
        sent_at=timezone.now(),
        claimed_until=None,
        claim_token=None,
    )
    return Outcome(SMSStatus.SENT)


def _record_failure(log: SMSLog, token: uuid.UUID, error: SMSError) -> Outcome:
    now = timezone.now()
    attempts = log.attempts + 1
    retry_at = now + dt.timedelta(seconds=retry_delay(attempts))
    if not error.transient or attempts >= settings.SMS_MAX_ATTEMPTS or retry_at >= log.expires_at:
        logger.warning(
            "SMS %s (%s to %s) failed after %d tries: %s",
            log.pk,
            log.kind,
            log.phone_masked,
            attempts,
            error.code,
        )
        SMSLog.objects.filter(pk=log.pk, status=SMSStatus.QUEUED, claim_token=token).update(
            status=SMSStatus.FAILED,
            error_code=error.code,
            attempts=attempts,
            payload="",
            finished_at=now,
            claimed_until=None,
            claim_token=None,
        )
        return Outcome(SMSStatus.FAILED)
    logger.info(
        "SMS %s (%s): %s, retry in %ss", log.pk, log.kind, error.code, retry_delay(attempts)
    )
    SMSLog.objects.filter(pk=log.pk, status=SMSStatus.QUEUED, claim_token=token).update(
        error_code=error.code,
        attempts=attempts,
        next_attempt_at=retry_at,
        claimed_until=None,
        claim_token=None,
    )
    return Outcome(SMSStatus.QUEUED, retry_in=(retry_at - now).total_seconds())


def sms_retry_later(*, log_id: int, delay: float) -> None:
    """Queue the next try of a row after `delay` seconds (after commit, like every task). If the
    broker is down or the message is lost, the sweep sends it."""
    from .tasks import send_sms

    def publish() -> None:
        try:
            send_sms.apply_async((log_id,), countdown=delay)
        except Exception:
            logger.exception("Could not queue the retry of SMS %s; the sweep will", log_id)

    transaction.on_commit(publish)


def sms_send_now(*, log_id: int, sender: BaseSMSSender | None = None) -> Outcome | None:
    """The sign-in code's first try, in the rider's request, with a short timeout; the retries
    of a transient failure are the worker's (docs/decisions.md, "Sign-in codes inline")."""
    outcome = sms_attempt(log_id=log_id, timeout=settings.SMS_INLINE_TIMEOUT_SECONDS, sender=sender)
    if outcome is not None and outcome.retry_in is not None:
        sms_retry_later(log_id=log_id, delay=outcome.retry_in)
    return outcome


def sms_sweep(*, now: dt.datetime | None = None, after_seconds: int | None = None) -> int:
    """The safety net (beat, every minute): expire what is no longer worth sending, and queue
    every row that has been due for SMS_SWEEP_AFTER_SECONDS without a task taking it (the
    broker was down, a worker died, a retry message was lost). Rows are claimed in batches
    under `FOR UPDATE SKIP LOCKED`, so two sweeps never take the same rows; each task gets the
    batch's lease token. Returns how many were queued."""
    from core.queue import enqueue_on_commit

    from .tasks import send_sms

    now = now or timezone.now()
    SMSLog.objects.filter(_unclaimed(now), status=SMSStatus.QUEUED, expires_at__lte=now).update(
        status=SMSStatus.EXPIRED, payload="", finished_at=now
    )
    if after_seconds is None:
        after_seconds = settings.SMS_SWEEP_AFTER_SECONDS
    # `after_seconds=0`: everything due, at once (the end of the quiet hours, riders/notify.py).
    due_before = now - dt.timedelta(seconds=after_seconds)
    queued = 0
    while queued < SWEEP_MAX_PER_RUN:
        with transaction.atomic():
            ids = list(
                SMSLog.objects.filter(
                    _unclaimed(now), status=SMSStatus.QUEUED, next_attempt_at__lte=due_before
                )
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at")
                .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
            )
            if not ids:
                break
            token = uuid.uuid4()
            SMSLog.objects.filter(pk__in=ids).update(
                claimed_until=now + dt.timedelta(seconds=settings.SMS_CLAIM_SECONDS),
                claim_token=token,
            )
            for pk in ids:
                enqueue_on_commit(send_sms, pk, str(token))
        queued += len(ids)
        if len(ids) < SWEEP_BATCH_SIZE:
            break
    return queued


@dataclass(frozen=True)
class Receipt:
    """One delivery report from a gateway, in our terms."""

    message_id: str
    delivered: bool
    error_code: str = ""
    at: dt.datetime | None = None


# Receipts may arrive more than once, and out of order with each other; a row moves between
# these three only (a receipt never touches a row still queued, failed or expired).
_RECEIPT_STATUSES = (SMSStatus.SENT, SMSStatus.DELIVERED, SMSStatus.UNDELIVERED)


def sms_receipts_apply(*, gateway: str, receipts: Iterable[Receipt]) -> int:
    """Record delivery reports; returns how many rows they matched. Unknown ids are ignored
    (a message of another system on the same account, or purged); applying one report twice
    leaves the row as once."""
    matched = 0
    for receipt in receipts:
        matched += SMSLog.objects.filter(
            gateway=gateway, message_id=receipt.message_id, status__in=_RECEIPT_STATUSES
        ).update(
            status=SMSStatus.DELIVERED if receipt.delivered else SMSStatus.UNDELIVERED,
            error_code="" if receipt.delivered else receipt.error_code[:64],
            finished_at=receipt.at or timezone.now(),
        )
    return matched
