"""Subsidies as a payout source: approved claims of the month or earlier, and adjustments."""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse

from payouts.models import PayoutBatch, Source
from payouts.sources import Taken

from .models import Adjustment, Claim
from .selectors import batch_lines

S = Claim.Status


class SubsidyPayments:
    source = Source.SUBSIDY
    prefix = "SB"
    csv_header = (
        "batch",
        "rider_number",
        "rider_name",
        "month",
        "kind",
        "tier",
        "paid_yuan",
        "subsidy_yuan",
        "note",
    )

    def take(self, *, batch: PayoutBatch) -> Taken:
        # The batch's city only: a claim is paid by the city it was filed in (Claim.city).
        claims = Claim.objects.filter(
            status=S.APPROVED, batch__isnull=True, month__lte=batch.month, city=batch.city_id
        ).update(batch=batch)
        adjustments = Adjustment.objects.filter(
            batch__isnull=True,
            claim__city=batch.city_id,
            claim__month__lte=batch.month,
            claim__status__in=[S.APPROVED, S.PAID],
        ).update(batch=batch)
        zero = Decimal("0.00")
        total = (
            Claim.objects.filter(batch=batch).aggregate(s=Sum("subsidy", default=zero))["s"]
            + Adjustment.objects.filter(batch=batch).aggregate(s=Sum("amount", default=zero))["s"]
        )
        # Riders with a claim or an adjustment in the batch, counted in the database.
        riders = (
            Claim.objects.filter(batch=batch)
            .order_by()
            .values("rider_id")
            .union(Adjustment.objects.filter(batch=batch).order_by().values("claim__rider_id"))
            .count()
        )
        return Taken(items=claims + adjustments, riders=riders, total=total)

    def release(self, *, batch: PayoutBatch) -> None:
        Claim.objects.filter(batch=batch).update(batch=None)
        Adjustment.objects.filter(batch=batch).update(batch=None)

    def paid(self, *, batch: PayoutBatch) -> None:
        Claim.objects.filter(batch=batch).update(status=S.PAID)

    def csv_rows(self, *, batch: PayoutBatch) -> Iterator[list[str]]:
        return batch_lines(batch=batch)

    def items_url(self, *, batch: PayoutBatch) -> str:
        return reverse("admin:subsidies_claim_changelist") + f"?batch__id__exact={batch.pk}"
