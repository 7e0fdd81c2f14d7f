"""Partner merchants and service points (友好商家): where a rider finds drinking water, a
phone charger, a toilet, a rest seat, e-bike charging, a battery swap, an e-bike repair or a
discount within five minutes."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import District

# What a rider can ask for: the flag on Merchant, or the kind of place for a pharmacy.
SERVICES = {
    "water": ("has_water", _("Drinking water")),
    "charging": ("has_charging", _("Phone charging")),
    "toilet": ("has_toilet", _("Toilet")),
    "rest": ("has_rest_seat", _("Rest seat")),
    # Riders ride e-bikes: a socket (or charging cabinet) for the bike's battery is a different
    # service from a phone charger, and swapping a flat battery for a full one at an operator's
    # cabinet (换电) is a third.
    "ebike_charging": ("has_ebike_charging", _("E-bike charging")),
    "battery_swap": ("has_battery_swap", _("Battery swap")),
    "repair": ("has_ebike_repair", _("E-bike repair")),
    "discount": ("has_discount", _("Discount")),
    "pharmacy": (None, _("Pharmacy")),
}


class Merchant(models.Model):
    city_lookup = "district__city"  # core/tenancy.py

    class Kind(models.TextChoices):
        SHOP = "shop", _("Shop")
        RESTAURANT = "restaurant", _("Restaurant")
        PHARMACY = "pharmacy", _("Pharmacy")
        SUPERMARKET = "supermarket", _("Supermarket")
        REPAIR_POINT = "repair", _("Repair point")
        SERVICE_CENTRE = "centre", _("Service centre")
        APARTMENT = "apartment", _("Rider apartment")
        SWAP_STATION = "swap", _("Battery swap station")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="merchants", verbose_name=_("district")
    )
    # WGS84 as the phone's browser reports it; converted to GCJ-02 only in map-app links.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    has_water = models.BooleanField(_("drinking water"), default=False)
    has_charging = models.BooleanField(_("phone charging"), default=False)
    has_toilet = models.BooleanField(_("toilet"), default=False)
    has_rest_seat = models.BooleanField(_("rest seat"), default=False)
    has_ebike_charging = models.BooleanField(_("e-bike charging"), default=False)
    has_battery_swap = models.BooleanField(_("battery swap"), default=False)
    has_ebike_repair = models.BooleanField(_("e-bike repair"), default=False)
    has_discount = models.BooleanField(_("discount"), default=False)
    discount_note = models.CharField(_("discount"), max_length=200, blank=True)
    open_24h = models.BooleanField(_("open 24 hours"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner merchant")
        verbose_name_plural = _("partner merchants")
        ordering = ["name"]
        indexes = [
            # The bounding-box prefilter of "nearest with X".
            models.Index(
                fields=["latitude", "longitude"],
                name="merchant_location_idx",
                condition=Q(is_active=True),
            ),
            models.Index(fields=["district", "kind"], name="merchant_district_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="merchant_location_in_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "shop",
                        "restaurant",
                        "pharmacy",
                        "supermarket",
                        "repair",
                        "centre",
                        "apartment",
                        "swap",
                    ]
                ),
                name="merchant_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def offers(self) -> list[str]:
        return [key for key, (flag, _label) in SERVICES.items() if flag and getattr(self, flag)]


class OpeningHours(models.Model):
    """One opening period on a weekday. Closing at or before opening means past midnight
    (e.g. 18:00–02:00). A weekday without periods is a closed day, unless open 24 hours."""

    city_lookup = "merchant__district__city"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="hours", verbose_name=_("merchant")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["merchant", "weekday", "opens"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "weekday", "opens"], name="opening_hours_unique"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"
