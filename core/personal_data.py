"""What each app holds of a rider: a registry every app fills (issue 20, docs/privacy.md).

A rider's own copy (mydata's export) and account closure must reach every table that holds
something of a rider, yet mydata must not import the apps above it, and core imports none.
Each app registers its `Holding`s in its AppConfig.ready() — the shape of riders/obligations.py
— and mydata asks them all:

- `export(rider)` the rows, as JSON-ready dicts (ids, dates as ISO strings, Decimals as str);
- `files(rider)` the files to put beside them: (name in the ZIP, an open-able FieldFile);
- `erase(rider)` what account closure does to this holding: erase personal data, pseudonymise
  what must be kept; returns how many rows it touched. `kept` says in the reader's language
  what stays and why (payouts and subsidy decisions: accounting and subsidy rules).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Rows = Iterable[dict[str, Any]]


@dataclass(frozen=True)
class Holding:
    name: str  # "governance.reports": the file name in the export, the key in closure reports
    label: Any  # what it is, translated (gettext_lazy), e.g. _("Reports you filed")
    export: Callable[[Any], Rows]
    files: Callable[[Any], Iterable[tuple[str, Any]]] | None = None
    erase: Callable[[Any], int] | None = None
    kept: Any = ""  # gettext_lazy: what closure keeps of it, and why; "" when nothing


_holdings: dict[str, Holding] = {}


def register(holding: Holding) -> None:
    """Register (or replace: ready() may run twice in tests) the holding called its name."""
    _holdings[holding.name] = holding


def holdings() -> list[Holding]:
    """Every registered holding, by name (a stable order for the export and the tests)."""
    return [_holdings[name] for name in sorted(_holdings)]
