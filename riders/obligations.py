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


# --- What must be settled before a rider's account can be closed (issue 20, mydata) ----------
# Another list than the city move's: closing is asked by the rider, so the sentences speak to
# them ("You have a bed…"), and closure has ties a move does not (unpaid payouts). Apps
# register these beside their personal data (each app's personal_data.py).

_closure_checks: dict[str, Check] = {}


def register_closure(name: str, check: Check) -> None:
    """Register (or replace) a check that blocks closing the rider's account while it answers."""
    _closure_checks[name] = check


def closure_obligations_of(rider: "Rider") -> list[str]:
    """What must be settled before `rider`'s account can be closed, one sentence each (in the
    reader's language); empty: nothing stands in the way."""
    found = []
    for name in sorted(_closure_checks):
        reason = _closure_checks[name](rider)
        if reason:
            found.append(reason)
    return found
