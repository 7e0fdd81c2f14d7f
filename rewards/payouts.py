"""Cash rewards as a payout source: every cash award not yet in a batch is payable."""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse

from payouts.models import PayoutBatch, Source
from payouts.sources import Taken

from .models import Award
from .selectors import month_bounds, payout_lines


class RewardCash:
    source = Source.REWARD
    prefix = "PB"
    csv_header = ("batch", "rider_number", "rider_name", "items", "amount_yuan")

    def take(self, *, batch: PayoutBatch) -> Taken:
        # The batch's city only: a reward is paid by the city whose report earned it.
        claimed = Award.objects.filter(
            kind=Award.Kind.CASH,
            batch__isnull=True,
            created_at__lt=month_bounds(batch.month)[1],
            report__district__city=batch.city_id,
        ).update(batch=batch)
        totals = Award.objects.filter(batch=batch).aggregate(
            total=Sum("cash_amount", default=Decimal("0.00")),
            riders=Count("rider", distinct=True),
        )
        return Taken(items=claimed, riders=totals["riders"], total=totals["total"])

    def release(self, *, batch: PayoutBatch) -> None:
        Award.objects.filter(batch=batch).update(batch=None)

    def paid(self, *, batch: PayoutBatch) -> None:
        """Awards carry no status: paid is read through the batch (selectors.cash_summary)."""

    def csv_rows(self, *, batch: PayoutBatch) -> Iterator[list[str]]:
        for line in payout_lines(batch=batch):
            items, amount = str(line.items), f"{line.amount:.2f}"
            yield [batch.number, line.rider_number, line.name, items, amount]

    def items_url(self, *, batch: PayoutBatch) -> str:
        return reverse("admin:rewards_award_changelist") + f"?batch__id__exact={batch.pk}"
