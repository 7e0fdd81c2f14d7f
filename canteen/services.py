"""Writes for rider canteens: ordering with the daily subsidised cap, pick-up at the counter,
cancelling, expiry at closing time.

    placed ──ready──▶ ready ──collect──▶ collected
      │                 │
      ├──cancel (rider)─┘ (placed only)
      └──(closing time, not collected)──▶ expired
"""

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from riders.models import Rider

from .models import Canteen, MealOrder, SetMeal

S = MealOrder.Status
OPEN = (S.PLACED, S.READY)
ZERO = Decimal("0.00")


class CanteenError(DomainError):
    code = "canteen_error"


def _closing_time(canteen: Canteen, day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, canteen.closes_at))


def meal_order_place(*, rider: Rider, set_meal_id: int, payment: str = "counter") -> MealOrder:
    """Order a set meal for pick-up today.

    The first meals of a rider's day are subsidised, as many as the rider's city says
    (City.meals_per_day, else CANTEEN_SUBSIDISED_MEALS_PER_DAY); later ones cost the list
    price. Only a canteen of the rider's city takes the order. The rider's row lock makes the
    cap hold under concurrent orders; the set meal's row lock keeps the day's portions.
    """
    if payment not in MealOrder.Payment.values:
        raise CanteenError(_("Choose how you pay."), code="payment")
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked_rider = (
            Rider.objects.select_for_update(of=("self",))
            .select_related("district__city")
            .get(pk=rider.pk)
        )
        if not locked_rider.is_active:
            raise CanteenError(_("Your rider account is not active."), code="rider_inactive")
        meal = (
            SetMeal.objects.select_for_update(of=("self",))
            .select_related("canteen__district")
            .filter(pk=set_meal_id)
            .first()
        )
        if meal is None or not meal.is_active or not meal.canteen.is_active:
            raise CanteenError(_("This meal is not on the menu."), code="meal_unavailable")
        canteen = meal.canteen
        city = locked_rider.district.city
        if canteen.district.city_id != city.pk:
            raise CanteenError(
                _("%(canteen)s is a canteen of another city; order in %(city)s's canteens.")
                % {"canteen": canteen, "city": city},
                code="other_city",
            )
        if now >= _closing_time(canteen, today):
            raise CanteenError(
                _("%(canteen)s has closed for today (closes at %(time)s).")
                % {"canteen": canteen, "time": canteen.closes_at.strftime("%H:%M")},
                code="closed",
            )
        taken = (
            MealOrder.objects.filter(set_meal=meal, service_date=today)
            .exclude(status=S.CANCELLED)
            .count()
        )
        if taken >= meal.portions_per_day:
            raise CanteenError(_("Sorry, this meal is sold out for today."), code="sold_out")
        subsidised_today = (
            MealOrder.objects.filter(rider=rider, service_date=today, subsidised=True)
            .exclude(status=S.CANCELLED)
            .count()
        )
        subsidised = subsidised_today < city.meals_per_day
        parts = (
            {
                "government_part": meal.government_part,
                "platform_part": meal.platform_part,
                "merchant_part": meal.merchant_part,
                "rider_price": meal.rider_price,
            }
            if subsidised
            else {
                "government_part": ZERO,
                "platform_part": ZERO,
                "merchant_part": ZERO,
                "rider_price": meal.list_price,
            }
        )
        return _create_with_code(
            rider=rider,
            canteen=canteen,
            set_meal=meal,
            service_date=today,
            payment=payment,
            subsidised=subsidised,
            list_price=meal.list_price,
            **parts,
        )


def _create_with_code(**fields: Any) -> MealOrder:
    """A 4-digit code unique for the canteen and day; retried on the rare collision."""
    for _attempt in range(20):
        code = f"{secrets.randbelow(10_000):04d}"
        try:
            with transaction.atomic():
                return MealOrder.objects.create(pickup_code=code, **fields)
        except IntegrityError:
            taken = MealOrder.objects.filter(
                canteen=fields["canteen"], service_date=fields["service_date"], pickup_code=code
            ).exists()
            if not taken:
                raise  # another constraint: a bug, not a collision
            continue
    raise CanteenError(_("Please try again in a moment."), code="no_code")


def meal_order_cancel(*, order: MealOrder, rider: Rider) -> MealOrder:
    """The rider cancels before the kitchen has it ready; a subsidised place comes back."""
    if order.rider_id != rider.pk:
        raise CanteenError(_("This is not your order."), code="not_yours")
    updated = MealOrder.objects.filter(pk=order.pk, status=S.PLACED).update(
        status=S.CANCELLED, closed_at=timezone.now()
    )
    if not updated:
        raise CanteenError(
            _("Only an order that is not ready yet can be cancelled."), code="not_cancellable"
        )
    order.refresh_from_db()
    return order


def meal_order_ready(*, order: MealOrder, by: User) -> MealOrder:
    updated = MealOrder.objects.filter(pk=order.pk, status=S.PLACED).update(
        status=S.READY, ready_at=timezone.now(), ready_by=by
    )
    if not updated:
        raise CanteenError(_("Only a new order can be marked ready."), code="not_placed")
    order.refresh_from_db()
    return order


def meal_order_collect(*, canteen: Canteen, code: str, by: User) -> MealOrder:
    """The counter types or scans the code: today's open order is handed over in one step."""
    code = code.strip()
    today = timezone.localdate()
    now = timezone.now()
    updated = MealOrder.objects.filter(
        canteen=canteen, service_date=today, pickup_code=code, status__in=OPEN
    ).update(status=S.COLLECTED, collected_at=now, collected_by=by, closed_at=now)
    order = (
        MealOrder.objects.select_related("set_meal", "rider")
        .filter(canteen=canteen, service_date=today, pickup_code=code)
        .first()
    )
    if updated:
        assert order is not None  # the row it just updated
        return order
    if order is None:
        if (
            MealOrder.objects.filter(canteen=canteen, pickup_code=code)
            .filter(Q(service_date__lt=today))
            .exists()
        ):
            raise CanteenError(
                _("Code %(code)s was for an earlier day and has expired.") % {"code": code},
                code="expired",
            )
        raise CanteenError(
            _("No order today has the code %(code)s.") % {"code": code}, code="unknown"
        )
    if order.status == S.COLLECTED:
        raise CanteenError(
            _("Code %(code)s was already collected at %(time)s.")
            % {"code": code, "time": timezone.localtime(order.collected_at).strftime("%H:%M")},
            code="already_collected",
        )
    if order.status == S.EXPIRED:
        raise CanteenError(_("Code %(code)s has expired.") % {"code": code}, code="expired")
    raise CanteenError(_("Code %(code)s was cancelled.") % {"code": code}, code="cancelled")


def orders_expire(*, now: dt.datetime | None = None) -> int:
    """Orders not collected by their canteen's closing time expire (beat, every 15 minutes)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired = MealOrder.objects.filter(status__in=OPEN, service_date__lt=today).update(
        status=S.EXPIRED, closed_at=now
    )
    closed_today = [
        canteen.pk for canteen in Canteen.objects.all() if _closing_time(canteen, today) <= now
    ]
    expired += MealOrder.objects.filter(
        status__in=OPEN, service_date=today, canteen__in=closed_today
    ).update(status=S.EXPIRED, closed_at=now)
    return expired
