"""Rider canteens (一餐饭): canteens, set meals with the three-way subsidy, orders with pick-up
codes. Order status changes happen only in canteen/services.py.

Every order stores the four price parts as they were when ordered; the database keeps
rider price + government + platform + merchant = list price, every part ≥ 0.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName, District

# The three subsidy parts, for the constraints; prices have 2 decimals, so a half fen of
# tolerance is exact on PostgreSQL and absorbs float rounding on SQLite.
PARTS = F("government_part") + F("platform_part") + F("merchant_part")
HALF_FEN = Decimal("0.005")


class Canteen(BilingualName):
    city_lookup = "district__city"  # core/tenancy.py

    operator = models.CharField(
        _("operator"), max_length=100, help_text=_("The company that runs the canteen.")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="canteens", verbose_name=_("district")
    )
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    counters = models.PositiveSmallIntegerField(_("pick-up counters"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="canteens",
        verbose_name=_("operator staff"),
        help_text=_("Staff accounts that run this canteen (menu, counter, settlement)."),
    )

    # Not stored: metres from the rider, set by canteen.selectors.canteens_with_menu(near=…).
    distance_m: float
    distance_km: float

    class Meta:
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="canteen_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(counters__gte=1), name="canteen_has_a_counter"),
        ]


def meal_picture_path(meal: "SetMeal", filename: str) -> str:
    return f"meals/{secrets.token_urlsafe(12)}.jpg"


class SetMeal(BilingualName):
    """A rider-only set meal; the rider pays what the three subsidy parts leave of the price."""

    city_lookup = "canteen__district__city"

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="set_meals", verbose_name=_("canteen")
    )
    description = models.CharField(_("what is in it"), max_length=200, blank=True)
    picture = models.ImageField(_("picture"), upload_to=meal_picture_path, blank=True)
    list_price = models.DecimalField(_("list price (yuan)"), max_digits=7, decimal_places=2)
    government_part = models.DecimalField(
        _("government incentive (yuan)"), max_digits=7, decimal_places=2, default=0
    )
    platform_part = models.DecimalField(
        _("platform investment (yuan)"), max_digits=7, decimal_places=2, default=0
    )
    merchant_part = models.DecimalField(
        _("merchant discount (yuan)"), max_digits=7, decimal_places=2, default=0
    )
    portions_per_day = models.PositiveIntegerField(_("portions per day"), default=100)
    is_active = models.BooleanField(_("on the menu"), default=True)

    # Not stored: what is left today, set by canteen.selectors.canteens_with_menu.
    portions_left: int

    class Meta:
        verbose_name = _("set meal")
        verbose_name_plural = _("set meals")
        ordering = ["canteen", "list_price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gt=0)
                & Q(government_part__gte=0)
                & Q(platform_part__gte=0)
                & Q(merchant_part__gte=0),
                name="set_meal_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(list_price__gte=PARTS - HALF_FEN),
                name="set_meal_parts_within_list_price",
            ),
            models.CheckConstraint(
                condition=Q(portions_per_day__gte=1), name="set_meal_portions_positive"
            ),
        ]

    @property
    def rider_price(self):
        return self.list_price - self.government_part - self.platform_part - self.merchant_part


class MealOrder(models.Model):
    # An order stays with the canteen's city when its rider moves to another city.
    city_lookup = "canteen__district__city"

    class Status(models.TextChoices):
        PLACED = "placed", _("Ordered")
        READY = "ready", _("Ready for pick-up")
        COLLECTED = "collected", _("Collected")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Not collected")

    class Payment(models.TextChoices):
        AT_COUNTER = "counter", _("Pay at the counter")
        ON_ACCOUNT = "account", _("On account")

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="meal_orders",
        verbose_name=_("rider"),
    )
    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, related_name="orders", verbose_name=_("canteen")
    )
    set_meal = models.ForeignKey(
        SetMeal, on_delete=models.PROTECT, related_name="orders", verbose_name=_("set meal")
    )
    service_date = models.DateField(_("for the day"))
    pickup_code = models.CharField(_("pick-up code"), max_length=6)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLACED
    )
    payment = models.CharField(
        _("payment"), max_length=8, choices=Payment.choices, default=Payment.AT_COUNTER
    )
    subsidised = models.BooleanField(_("subsidised"))
    list_price = models.DecimalField(_("list price (yuan)"), max_digits=7, decimal_places=2)
    government_part = models.DecimalField(_("government (yuan)"), max_digits=7, decimal_places=2)
    platform_part = models.DecimalField(_("platform (yuan)"), max_digits=7, decimal_places=2)
    merchant_part = models.DecimalField(_("merchant (yuan)"), max_digits=7, decimal_places=2)
    rider_price = models.DecimalField(_("rider pays (yuan)"), max_digits=7, decimal_places=2)
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    # Null on orders marked ready before this was recorded.
    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked ready by"),
    )
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["rider", "service_date"], name="meal_order_rider_day_idx"),
            models.Index(fields=["canteen", "service_date", "status"], name="meal_order_day_idx"),
            models.Index(
                fields=["service_date"],
                name="meal_order_open_idx",
                condition=Q(status__in=["placed", "ready"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["canteen", "service_date", "pickup_code"],
                name="meal_order_code_unique_per_canteen_day",
            ),
            models.CheckConstraint(
                condition=Q(government_part__gte=0)
                & Q(platform_part__gte=0)
                & Q(merchant_part__gte=0)
                & Q(rider_price__gte=0),
                name="meal_order_parts_not_negative",
            ),
            # Equal to the fen: SQLite (the development database) adds decimals as floats.
            models.CheckConstraint(
                condition=Q(list_price__gte=PARTS + F("rider_price") - HALF_FEN)
                & Q(list_price__lte=PARTS + F("rider_price") + HALF_FEN),
                name="meal_order_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(subsidised=True)
                | Q(government_part=0, platform_part=0, merchant_part=0),
                name="meal_order_unsubsidised_pays_list_price",
            ),
            models.CheckConstraint(
                condition=~Q(status="collected") | Q(collected_at__isnull=False),
                name="meal_order_collected_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.canteen_id}/{self.service_date}/{self.pickup_code}"
