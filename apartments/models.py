"""Rider apartments (骑手公寓): buildings, room types, rooms, beds, the waiting list, tenancies
and the "one bed" standard inspections.

Application and tenancy status changes happen only in apartments/services.py. The database
holds the invariants: one current tenancy per bed and per rider, one open application per
rider, one open offer per bed.
"""

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName, City, District

if TYPE_CHECKING:
    from .selectors import BedCounts


class Facility(BilingualName):
    """Something an apartment offers on site: supermarket, lounge, repair point, laundry, …"""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["sort_order", "code"]


def apartment_photo_path(apartment: "Apartment", filename: str) -> str:
    return f"apartments/{secrets.token_urlsafe(12)}.jpg"


class Apartment(BilingualName):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SURVEYING = "surveying", _("Surveying")
        UNDER_CONSTRUCTION = "building", _("Under construction")
        OPERATING = "operating", _("Operating")
        CLOSED = "closed", _("Closed")

    city_lookup = "district__city"  # core/tenancy.py

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="apartments", verbose_name=_("district")
    )
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    facilities = models.ManyToManyField(
        Facility, blank=True, related_name="apartments", verbose_name=_("facilities")
    )
    origin = models.TextField(
        _("origin"), blank=True, help_text=_("E.g. converted from a textile-mill dormitory.")
    )
    photo = models.ImageField(_("photo"), upload_to=apartment_photo_path, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_apartments",
        verbose_name=_("managers"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Not stored: free beds and riders waiting, set by apartments_for_riders (selectors).
    counts: "BedCounts"

    class Meta:
        verbose_name = _("apartment")
        verbose_name_plural = _("apartments")
        ordering = ["name"]
        indexes = [models.Index(fields=["status"], name="apartment_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "surveying", "building", "operating", "closed"]),
                name="apartment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(floor_area_m2__isnull=True) | Q(floor_area_m2__gt=0),
                name="apartment_floor_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="apartment_location_in_range",
            ),
        ]

    @property
    def is_operating(self) -> bool:
        return self.status == self.Status.OPERATING


class RoomType(BilingualName):
    """E.g. a four-bed room; the monthly rent is per bed."""

    city_lookup = "apartment__district__city"

    apartment = models.ForeignKey(
        Apartment, on_delete=models.CASCADE, related_name="room_types", verbose_name=_("apartment")
    )
    monthly_rent = models.DecimalField(
        _("monthly rent per bed (yuan)"), max_digits=8, decimal_places=2
    )

    class Meta:
        verbose_name = _("room type")
        verbose_name_plural = _("room types")
        ordering = ["apartment", "monthly_rent"]
        constraints = [
            models.UniqueConstraint(fields=["apartment", "name"], name="room_type_unique_name"),
            models.CheckConstraint(
                condition=Q(monthly_rent__gte=0), name="room_type_rent_positive"
            ),
        ]


class Gender(models.TextChoices):
    ANY = "", _("Anyone")
    MALE = "male", _("Men only")
    FEMALE = "female", _("Women only")


class Room(models.Model):
    city_lookup = "apartment__district__city"

    apartment = models.ForeignKey(
        Apartment, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("apartment")
    )
    number = models.CharField(_("room number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"), default=1)
    room_type = models.ForeignKey(
        RoomType, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("room type")
    )
    gender = models.CharField(
        _("who may live here"), max_length=6, choices=Gender.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["apartment", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["apartment", "number"], name="room_unique_number"),
            models.CheckConstraint(
                condition=Q(gender__in=["", "male", "female"]), name="room_gender_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.apartment} {self.number}"


class Bed(models.Model):
    city_lookup = "apartment__district__city"

    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="beds", verbose_name=_("room")
    )
    # Denormalised from the room so that counting an apartment's beds needs no join.
    apartment = models.ForeignKey(
        Apartment, on_delete=models.CASCADE, related_name="beds", verbose_name=_("apartment")
    )
    label = models.CharField(_("bed"), max_length=10)
    is_active = models.BooleanField(_("in use"), default=True)
    # The "one bed" standard: every bed gets a free quality mattress.
    mattress_issued_on = models.DateField(_("mattress issued on"), null=True, blank=True)

    class Meta:
        verbose_name = _("bed")
        verbose_name_plural = _("beds")
        ordering = ["room", "label"]
        indexes = [models.Index(fields=["apartment", "is_active"], name="bed_apartment_idx")]
        constraints = [
            models.UniqueConstraint(fields=["room", "label"], name="bed_unique_label"),
        ]

    def __str__(self) -> str:
        return f"{self.room}-{self.label}"

    def save(self, *args, **kwargs) -> None:
        self.apartment_id = self.room.apartment_id
        super().save(*args, **kwargs)


class Application(models.Model):
    """A rider's request for a bed; the waiting list is the waiting applications by time."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Bed offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Offer expired")
        CANCELLED = "cancelled", _("Cancelled")

    # The city of the apartments applied for (all of one city: the rider's, when applying);
    # stored so the waiting list stays with its city when the rider later moves.
    city_lookup = "city"

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="apartment_applications",
        verbose_name=_("rider"),
    )
    apartments = models.ManyToManyField(
        Apartment, related_name="applications", verbose_name=_("preferred apartments")
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="+", verbose_name=_("city")
    )
    desired_move_in = models.DateField(_("desired move-in date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    offered_bed = models.ForeignKey(
        Bed,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("offered bed"),
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offered by"),
    )
    # When the rider was reminded that the offer expires soon (apartments.services
    # offer_reminders_send): set once, by the conditional UPDATE that claims the reminder.
    offer_reminded_at = models.DateTimeField(_("offer reminder sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("bed application")
        verbose_name_plural = _("bed applications")
        ordering = ["created_at", "id"]
        indexes = [
            # The waiting list: waiting applications in order.
            models.Index(
                fields=["created_at", "id"],
                name="application_queue_idx",
                condition=Q(status="waiting"),
            ),
            models.Index(
                fields=["offer_expires_at"],
                name="application_offer_expiry_idx",
                condition=Q(status="offered"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rider"],
                condition=Q(status__in=["waiting", "offered"]),
                name="application_one_open_per_rider",
            ),
            models.UniqueConstraint(
                fields=["offered_bed"],
                condition=Q(status="offered"),
                name="application_one_open_offer_per_bed",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered")
                | Q(
                    offered_bed__isnull=False,
                    offered_at__isnull=False,
                    offer_expires_at__isnull=False,
                ),
                name="application_offer_complete",
            ),
            # A reminder is of an offer.
            models.CheckConstraint(
                condition=Q(offer_reminded_at__isnull=True) | Q(offered_at__isnull=False),
                name="application_reminder_of_an_offer",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "waiting",
                        "offered",
                        "accepted",
                        "declined",
                        "expired",
                        "cancelled",
                    ]
                ),
                name="application_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rider_id} {self.status}"

    def save(self, *args, **kwargs) -> None:
        if self.city_id is None and self.rider_id is not None:
            # The rider's city at the time of applying (apartments.services application_submit
            # sets it; this keeps rows made elsewhere right too).
            self.city_id = self.rider.district.city_id
        super().save(*args, **kwargs)


class Tenancy(models.Model):
    """A rider's stay in a bed. Current while `ended_on` is empty."""

    city_lookup = "bed__apartment__district__city"

    bed = models.ForeignKey(
        Bed, on_delete=models.PROTECT, related_name="tenancies", verbose_name=_("bed")
    )
    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="tenancies",
        verbose_name=_("rider"),
    )
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenancy",
        verbose_name=_("application"),
    )
    monthly_rent = models.DecimalField(
        _("monthly rent at signing (yuan)"), max_digits=8, decimal_places=2
    )
    starts_on = models.DateField(_("starts on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Null on tenancies checked in or out before this was recorded.
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked out by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["starts_on", "ended_on"], name="tenancy_period_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"], condition=Q(ended_on__isnull=True), name="tenancy_one_per_bed"
            ),
            models.UniqueConstraint(
                fields=["rider"], condition=Q(ended_on__isnull=True), name="tenancy_one_per_rider"
            ),
            models.CheckConstraint(
                condition=Q(monthly_rent__gte=0), name="tenancy_rent_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("starts_on")),
                name="tenancy_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="tenancy_check_out_after_check_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bed} — {self.rider_id}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class ChecklistItem(BilingualName):
    """One line of the standard apartment checklist (the "one bed" standard)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("standard checklist")
        ordering = ["sort_order", "code"]


class Inspection(models.Model):
    city_lookup = "apartment__district__city"

    apartment = models.ForeignKey(
        Apartment, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("apartment")
    )
    inspected_on = models.DateField(_("date"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
    )
    passed = models.BooleanField(_("passed"), default=False, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        indexes = [
            models.Index(fields=["apartment", "-inspected_on"], name="inspection_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.apartment} {self.inspected_on}"


class InspectionResult(models.Model):
    city_lookup = "inspection__apartment__district__city"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="results", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    passed = models.BooleanField(_("pass"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {'✓' if self.passed else '✗'}"
