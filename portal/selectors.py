from dataclasses import dataclass

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apartments.selectors import operating_bed_count
from canteen.selectors import served_meal_count
from governance.selectors import closed_within_deadline_rate
from merchants.selectors import partner_merchant_count
from riders.selectors import active_rider_count


@dataclass(frozen=True)
class HeadlineFigure:
    label: str | Promise
    value: int | float | None  # None: no data yet
    unit: str | Promise = ""
    available: bool = True  # False: the feature behind this figure is not built yet


def home_figures() -> list[HeadlineFigure]:
    """The headline figures on the portal's Home page."""
    # Every rider's Home shows these; a few minutes old is fine, a count per request is not.
    # With Redis down the cache answers empty (core/cache.py): the counts come from the database.
    counts: dict[str, int | float | None] | None = cache.get_or_set(
        "home-figures",
        lambda: {
            "riders": active_rider_count(),
            "closed_on_time": closed_within_deadline_rate(),
            "beds": operating_bed_count(),
            "meals": served_meal_count(),
            "merchants": partner_merchant_count(),
        },
        timeout=300,
    )
    assert counts is not None  # get_or_set answers the counts it computed, never None
    return [
        HeadlineFigure(_("Active riders"), counts["riders"]),
        HeadlineFigure(_("Partner merchants"), counts["merchants"]),
        HeadlineFigure(_("Apartment beds"), counts["beds"]),
        HeadlineFigure(
            _("Reports closed by their deadline, last 30 days"), counts["closed_on_time"], "%"
        ),
        HeadlineFigure(_("Canteen meals served"), counts["meals"]),
    ]
