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

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
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


def json_value(value: Any) -> Any:
    """A value as the export writes it: dates and times as ISO strings, Decimals and UUIDs as
    str, lazy translations as their text; anything else as is (str, int, bool, None, dict)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def rows_of(queryset: Any, *fields: str, **renamed: str) -> list[dict[str, Any]]:
    """The rows of a queryset as export rows: `fields` by their own names, `renamed` as
    {name in the export: lookup} (e.g. category="category__name"); one query."""
    lookups = {**{field: field for field in fields}, **renamed}
    return [
        {name: json_value(row[lookup]) for name, lookup in lookups.items()}
        for row in queryset.values(*lookups.values())
    ]
