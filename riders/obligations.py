"""What ties a rider to their city: a registry the apps above riders fill (issue 19).

riders sits below apartments, subsidies and canteen and must not import them, yet moving a
rider to another city (riders/services.py rider_move_city) must refuse while a bed, a claim in
review or an order to pick up ties them to the old one. Each of those apps registers a check
in its AppConfig.ready() — the shape of payouts/sources.py — and the move asks them all.

A check takes the rider and returns what ties them (a translated sentence the staff member
reads), or None.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Rider

Check = Callable[["Rider"], str | None]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """Register (or replace: ready() may run twice in tests) the check called `name`."""
    _checks[name] = check


def obligations_of(rider: "Rider") -> list[str]:
    """What ties `rider` to their current city, one sentence per obligation; empty: free."""
    found = []
    for check in _checks.values():
        reason = check(rider)
        if reason:
            found.append(reason)
    return found
