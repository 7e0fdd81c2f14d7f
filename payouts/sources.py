"""What each kind of payout brings to a batch, registered by the app that owns the items.

payouts knows nothing of awards or claims (it sits below the domain apps); rewards and
subsidies each register one PayoutSource in their AppConfig.ready(), and the batch services
call it inside their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .models import PayoutBatch


@dataclass(frozen=True)
class Taken:
    """What a new batch took: counted by the source, stored on the batch."""

    items: int
    riders: int
    total: Decimal


class PayoutSource(Protocol):
    #: PayoutBatch.Source value; also picks the number prefix.
    source: str
    prefix: str
    #: Column names of the CSV for the platform's payment system.
    csv_header: Sequence[str]

    def take(self, *, batch: PayoutBatch) -> Taken:
        """Put every payable item not yet in a batch, up to the end of `batch.month`, into it.

        Must claim with one conditional UPDATE (`batch IS NULL`), so two batches created at
        once never share an item."""
        ...

    def release(self, *, batch: PayoutBatch) -> None:
        """A draft is discarded: its items become payable again."""
        ...

    def paid(self, *, batch: PayoutBatch) -> None:
        """The platform paid the batch: mark the items paid where they carry a status."""
        ...

    def csv_rows(self, *, batch: PayoutBatch) -> Iterable[Sequence[str]]: ...

    def items_url(self, *, batch: PayoutBatch) -> str:
        """The admin list of the batch's items."""
        ...


_sources: dict[str, PayoutSource] = {}


def register(source: PayoutSource) -> None:
    _sources[source.source] = source


def source_for(name: str) -> PayoutSource:
    try:
        return _sources[name]
    except KeyError:
        raise LookupError(f"No payout source {name!r} is registered") from None
