"""Named retention sweeps: a registry the apps fill (issue 20, docs/privacy.md "Retention").

The retention table (privacy/retention.py) applies most rules itself: delete the rows older
than a period, or clear a field (an IP address) in them. Some rules a generic action cannot
express — a report photo's original is removed N months after the report is *closed*, and
only the file, keeping the blurred copy — so the app that owns the rows registers a sweep in
its AppConfig.ready() under the name the table gives, and the daily task calls it. privacy
sits below governance and must not import it; core imports no app: this registry is how the
table reaches them (the shape of riders/obligations.py).

A sweep takes the time of the run and returns how many rows it removed or changed. It must be
idempotent (running it twice removes nothing more the second time) and bounded in memory.
"""

import datetime as dt
from collections.abc import Callable

Sweep = Callable[[dt.datetime], int]

_sweeps: dict[str, Sweep] = {}


def register(name: str, sweep: Sweep) -> None:
    """Register (or replace: ready() may run twice in tests) the sweep called `name`, e.g.
    "governance.photo_originals"."""
    _sweeps[name] = sweep


def unregister(name: str) -> None:
    """Forget a sweep (tests)."""
    _sweeps.pop(name, None)


def sweep_for(name: str) -> Sweep | None:
    """The sweep registered under `name`, or None when no app registered one (yet)."""
    return _sweeps.get(name)


def sweeps() -> dict[str, Sweep]:
    return dict(_sweeps)
