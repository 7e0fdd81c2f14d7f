"""Reads for payout batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .models import PayoutBatch
from .sources import source_for


def exportable(batch: PayoutBatch) -> bool:
    """Only what a second person approved goes to the payment system."""
    return batch.status != PayoutBatch.Status.DRAFT


def csv_export(*, batch: PayoutBatch) -> tuple[Sequence[str], Iterable[Sequence[str]]]:
    """Header and rows of the batch's CSV for the platform's payment system."""
    payable = source_for(batch.source)
    return payable.csv_header, payable.csv_rows(batch=batch)


def items_url(*, batch: PayoutBatch) -> str:
    return source_for(batch.source).items_url(batch=batch)
