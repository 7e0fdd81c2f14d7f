import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apartments.models import Application
from apartments.selectors import operating_bed_count, pending_offer
from canteen.models import MealOrder
from canteen.selectors import pickups_for_rider, served_meal_count
from core.models import District
from governance.models import Report
from governance.selectors import (
    closed_within_deadline_rate,
    reports_asked_about_first,
    reports_awaiting_check_first,
)
from growth.models import Session
from growth.selectors import next_session_for_rider
from merchants.selectors import OpenNear, open_near, partner_merchant_count
from rewards.selectors import NearestReward, nearest_reward
from riders.models import Rider
from riders.selectors import active_rider_count
from subsidies.selectors import claim_due

# Home lists this many reports of each kind; My reports has them all.
HOME_REPORTS = 10


@dataclass(frozen=True)
class HeadlineFigure:
    label: str | Promise
    value: int | float | None  # None: no data yet
    unit: str | Promise = ""
    available: bool = True  # False: the feature behind this figure is not built yet


def home_figures(city_id: int | None = None) -> list[HeadlineFigure]:
    """The headline figures on the portal's Home page: the rider's city's (issue 19), every
    city's without one."""
    # Every rider's Home shows these; a few minutes old is fine, a count per request is not.
    # With Redis down the cache answers empty (core/cache.py): the counts come from the database.
    counts: dict[str, int | float | None] | None = cache.get_or_set(
        f"home-figures:{city_id or 'all'}",
        lambda: {
            "riders": active_rider_count(city_id),
            "closed_on_time": closed_within_deadline_rate(city_id=city_id),
            "beds": operating_bed_count(city_id),
            "meals": served_meal_count(city_id),
            "merchants": partner_merchant_count(city_id),
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


@dataclass(frozen=True)
class RiderToday:
    """What Home asks of the rider first, one field per card; each app's own selector decides
    whether its card applies (None or empty: it does not)."""

    offer: Application | None
    pickups: list[MealOrder]
    awaiting_check: list[Report]
    asked_about: list[Report]
    reward: NearestReward | None  # None: no points and nothing to aim for
    claim_month: dt.date | None
    next_session: Session | None
    # Not a thing to do but what the night shift looks for first (issue 17, Done when): the
    # nearest open toilet and e-bike charging or battery swap, from the district's centre
    # until the phone says where the rider is (static/js/nearby.js asks merchants:open_near).
    open_near: list[OpenNear]

    @property
    def anything(self) -> bool:
        return bool(
            self.offer
            or self.pickups
            or self.awaiting_check
            or self.asked_about
            or self.reward
            or self.claim_month
            or self.next_session
        )


def rider_today(*, rider: Rider, now: dt.datetime | None = None) -> RiderToday:
    """Home's cards for `rider`, from the apps' selectors: a fixed number of queries (one or
    two per card, five for what is open nearby) whatever the rider's history."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reward = nearest_reward(rider=rider, today=today)
    return RiderToday(
        offer=pending_offer(rider=rider, now=now),
        pickups=pickups_for_rider(rider=rider, today=today),
        awaiting_check=reports_awaiting_check_first(rider=rider, count=HOME_REPORTS),
        asked_about=reports_asked_about_first(rider=rider, count=HOME_REPORTS),
        # A rider without points gets no card until a reward is something to count on.
        reward=reward if reward.balance > 0 else None,
        claim_month=claim_due(rider=rider),
        next_session=next_session_for_rider(rider=rider, now=now),
        open_near=district_open_near(district=rider.district, now=now),
    )


def district_open_near(*, district: District, now: dt.datetime) -> list[OpenNear]:
    """What is open near the district's centre this minute: the same for every rider of the
    district, so one computation a minute (five queries, a fifth of Home's cost, measured in
    bench/lunch_peak.py) instead of one per Home. Worked out for the minute's start and cached
    until its end: a place closing at 12:00 is gone from 12:00 on, as without the cache."""
    minute = timezone.localtime(now).replace(second=0, microsecond=0)
    key = f"home-open-near:{district.pk}:{minute:%Y%m%d%H%M}"
    found: list[OpenNear] | None = cache.get(key)
    if found is None:
        found = open_near(
            latitude=district.latitude, longitude=district.longitude, at=minute, city=district.city
        )
        cache.set(key, found, timeout=60)
    return found
