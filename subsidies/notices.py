"""Telling riders the review's outcome (riders/notify.py), apart from the review itself.

The review commits first; then a task per 5,000 claims tells their riders (an inbox message
with the outcome, and an SMS that there is one) and marks each claim told in the same
transaction, so a task run twice tells once, and the sweep tells what a lost task left.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from riders.models import Rider
from riders.notify import Notice, SMSNotice, riders_notify

from . import messages
from .models import Claim

TELL_CHUNK = 5000
# A decision untold this long after the review is a lost task's: the sweep tells it.
SWEEP_AFTER = dt.timedelta(minutes=5)
SWEEP_MAX_PER_RUN = 50_000
DECIDED = (Claim.Status.APPROVED, Claim.Status.REJECTED, Claim.Status.PAID)


def decisions_tell(*, claim_ids: list[int]) -> int:
    """Tell the riders of these decided claims who were not told yet; how many were told.

    Rows another run holds are skipped (SKIP LOCKED): that run tells them. A rejection carries
    the reviewer's words as typed; an approval the amount. The SMS says only that there is a
    decision: an SMS can be read over a shoulder.
    """
    link = reverse("subsidies:list")
    told = 0
    for start in range(0, len(claim_ids), TELL_CHUNK):
        with transaction.atomic():
            claims = list(
                Claim.objects.select_for_update(skip_locked=True)
                .filter(
                    pk__in=claim_ids[start : start + TELL_CHUNK],
                    decision_told_at__isnull=True,
                    status__in=DECIDED,
                )
                .order_by("pk")
            )
            if not claims:
                continue
            riders = Rider.objects.select_related("user").in_bulk([c.rider_id for c in claims])
            notices = []
            for claim in claims:
                rejected = claim.status == Claim.Status.REJECTED
                notices.append(
                    Notice(
                        riders[claim.rider_id],
                        messages.CLAIM_REJECTED if rejected else messages.CLAIM_APPROVED,
                        {"month": f"{claim.month:%Y-%m}", "subsidy": str(claim.subsidy)},
                        link,
                        claim.reason if rejected else "",
                        SMSNotice("subsidy_decision", {"period": f"{claim.month:%Y-%m}"}),
                    )
                )
            riders_notify(notices=notices)
            Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
                decision_told_at=timezone.now()
            )
            told += len(claims)
    return told


def decisions_sweep(*, now: dt.datetime | None = None) -> int:
    """Tell the decisions a lost task left untold (beat, every few minutes)."""
    now = now or timezone.now()
    ids = list(
        Claim.objects.filter(
            decision_told_at__isnull=True,
            reviewed_at__isnull=False,
            reviewed_at__lt=now - SWEEP_AFTER,
            status__in=DECIDED,
        )
        .order_by("reviewed_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_MAX_PER_RUN]
    )
    return decisions_tell(claim_ids=ids)
