"""Reads for rider canteens: the menu with portions left (nearest canteen first), the pick-up
window, a rider's orders and subsidised meals today, the counter's open orders, the monthly
settlement."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.geo import distance_m
from core.models import User
from core.prepared import PreparedModels
from core.roles import sees_everything
from core.tenancy import city_filter
from riders.models import Rider

from .models import Canteen, MealOrder, SetMeal

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # dev-only: django-stubs' annotated models

S = MealOrder.Status
ORDERS_PER_PAGE = 10


class _Menu(TypedDict):
    menu: list[SetMeal]  # the Prefetch below


def canteens_with_menu(
    *, today: dt.date, near: tuple[Decimal, Decimal] | None = None, city_id: int | None = None
) -> list["WithAnnotations[Canteen, _Menu]"]:
    """Active canteens (of city `city_id`: a rider's list shows their city's only) with their
    active set meals and the portions left today (3 queries).

    With `near` (latitude, longitude), the nearest canteen comes first and each carries its
    `distance_m`; without it, by name. A city has a handful of canteens: sorted here.
    """
    active = Canteen.objects.filter(is_active=True)
    if city_id is not None:
        active = active.filter(district__city=city_id)
    canteens = list(
        active.select_related("district")
        .prefetch_related(
            Prefetch(
                "set_meals",
                queryset=SetMeal.objects.filter(is_active=True).order_by("list_price", "id"),
                to_attr="menu",
            )
        )
        .order_by("name")
    )
    taken = dict(
        MealOrder.objects.filter(service_date=today, canteen__in=[c.pk for c in canteens])
        .exclude(status=S.CANCELLED)
        .values_list("set_meal")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for canteen in canteens:
        for meal in canteen.menu:
            meal.portions_left = max(0, meal.portions_per_day - taken.get(meal.pk, 0))
    if near is not None:
        for canteen in canteens:
            canteen.distance_m = distance_m(*near, canteen.latitude, canteen.longitude)
            canteen.distance_km = round(canteen.distance_m / 1000, 1)
        canteens.sort(key=lambda canteen: (canteen.distance_m, canteen.name))
    return canteens


@dataclass(frozen=True)
class PickupWindow:
    """When today's meals are picked up, seen at a moment: `state` is "open" (pick up now),
    "later" (not open yet: an order now is picked up from `opens`) or "closed" (closed for
    today: ordering again tomorrow). Canteen hours never cross midnight (a constraint)."""

    opens: dt.time
    closes: dt.time
    state: str

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def takes_orders(self) -> bool:
        return self.state != "closed"


def pickup_window(*, canteen: Canteen, now: dt.datetime | None = None) -> PickupWindow:
    """The same rule as the order service: orders are taken until closing time."""
    local = timezone.localtime(now or timezone.now()).time()
    if local < canteen.opens_at:
        state = "later"
    elif local < canteen.closes_at:
        state = "open"
    else:
        state = "closed"
    return PickupWindow(opens=canteen.opens_at, closes=canteen.closes_at, state=state)


def meal_for_order(*, pk: int, city_id: int | None = None) -> SetMeal | None:
    """A meal on an active canteen's menu (the order page; the service checks the portions),
    of city `city_id`'s canteens when given (another city's meal: not found)."""
    meals = SetMeal.objects.filter(pk=pk, is_active=True, canteen__is_active=True)
    if city_id is not None:
        meals = meals.filter(canteen__district__city=city_id)
    return meals.select_related("canteen").first()


def subsidised_meals_left(*, rider: Rider, today: dt.date) -> int:
    used = (
        MealOrder.objects.filter(rider=rider, service_date=today, subsidised=True)
        .exclude(status=S.CANCELLED)
        .count()
    )
    # The rider's city's allowance (City.meals_per_day falls back to the setting).
    return max(0, rider.district.city.meals_per_day - used)


def orders_for_rider(*, rider: Rider) -> QuerySet[MealOrder]:
    """Newest first; the page shows ORDERS_PER_PAGE at a time (two queries: count and page)."""
    return (
        MealOrder.objects.filter(rider=rider)
        .select_related("canteen", "set_meal")
        .order_by("-service_date", "-created_at", "-id")
    )


def canteens_run_by(user: User) -> QuerySet[Canteen]:
    """The canteens a staff member runs, in their city; centre admins all of their city's,
    national admins and superusers every city's."""
    if sees_everything(user):
        return city_filter(Canteen.objects.all(), user)
    return city_filter(Canteen.objects.filter(staff=user), user)


def counter_orders(*, canteen: Canteen, today: dt.date) -> QuerySet[MealOrder]:
    """Today's orders still to hand over, oldest first, for the counter screen."""
    return (
        MealOrder.objects.filter(
            canteen=canteen, service_date=today, status__in=[S.PLACED, S.READY]
        )
        .select_related("set_meal")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Settlement:
    canteen: Canteen
    month: dt.date
    meals: int
    list_value: Decimal
    government: Decimal
    platform: Decimal
    merchant: Decimal
    riders: Decimal
    subsidised_meals: int


def settlement(*, canteens: QuerySet[Canteen], month: dt.date) -> list[Settlement]:
    """Per canteen, the meals served (collected) in `month`: their list value, what the
    government and the platform owe, what the merchant gave and what riders paid (one query)."""
    first = month.replace(day=1)
    next_first = (first + dt.timedelta(days=32)).replace(day=1)
    zero = Decimal("0.00")
    served = Q(orders__status=S.COLLECTED) & Q(
        orders__service_date__gte=first, orders__service_date__lt=next_first
    )
    rows = canteens.annotate(
        meals=Count("orders", filter=served),
        subsidised_meals=Count("orders", filter=served & Q(orders__subsidised=True)),
        list_value=Sum("orders__list_price", filter=served, default=zero),
        government=Sum("orders__government_part", filter=served, default=zero),
        platform=Sum("orders__platform_part", filter=served, default=zero),
        merchant=Sum("orders__merchant_part", filter=served, default=zero),
        riders=Sum("orders__rider_price", filter=served, default=zero),
    ).order_by("name")
    cent = Decimal("0.01")
    return [
        Settlement(
            canteen=row,
            month=first,
            meals=row.meals,
            subsidised_meals=row.subsidised_meals,
            list_value=Decimal(row.list_value).quantize(cent),
            government=Decimal(row.government).quantize(cent),
            platform=Decimal(row.platform).quantize(cent),
            merchant=Decimal(row.merchant).quantize(cent),
            riders=Decimal(row.riders).quantize(cent),
        )
        for row in rows
    ]


def served_meal_count(city_id: int | None = None) -> int:
    """Meals handed over (the Home page figure), at one city's canteens if given."""
    orders = MealOrder.objects.filter(status=S.COLLECTED)
    if city_id is not None:
        orders = orders.filter(canteen__district__city=city_id)
    return orders.count()


def pickups_for_rider(*, rider: Rider, today: dt.date) -> list[MealOrder]:
    """The rider's orders of today still to be picked up, with their code (Home): one query."""
    return _PICKUPS.objects(rider_id=rider.pk, today=today)


# Home's pick-up card, compiled once per process (core/prepared.py).
_PICKUPS = PreparedModels(
    lambda _shape, rider_id, today: (
        MealOrder.objects.filter(
            rider_id=rider_id, service_date=today, status__in=[S.PLACED, S.READY]
        )
        .select_related("canteen", "set_meal")
        .order_by("created_at", "id")
    ),
    rider_id=int,
    today=dt.date,
)


def city_obligation(rider: Rider) -> str | None:
    """A meal ordered and not picked up yet ties the rider to the canteen's city."""
    if MealOrder.objects.filter(rider=rider, status__in=[S.PLACED, S.READY]).exists():
        return str(_("They have a canteen order to pick up or cancel."))
    return None
