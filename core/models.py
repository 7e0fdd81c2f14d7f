import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .messages import render_body, render_title


class User(AbstractUser):
    """Everyone who signs in: riders (by phone code, no password) and staff (password).

    A rider is a User with a `rider` profile (riders.Rider); staff have is_staff and groups.
    Staff work in one city (`city`, core/tenancy.py); national admins and superusers in all.
    """

    # A staff member's city, or a rider's through their district: the choices of a form that
    # picks an account (an officer's, an apartment's manager) are the city's own accounts.
    city_lookup = ("city", "rider__district__city")

    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Preferred portal language; empty means the site default."),
    )
    city = models.ForeignKey(
        "City",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("city"),
        help_text=_(
            "The city this staff member works for: they see only its riders, reports, "
            "apartments and canteens. National admins see every city."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ShownInReadersLanguage:
    """A `name` and a `name_en`: shown in English to English readers when there is one."""

    name: str
    name_en: str

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class BilingualName(ShownInReadersLanguage, models.Model):
    """Admin-editable reference data carries its Chinese and English names."""

    name = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)

    class Meta:
        abstract = True


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Not a time zone name, e.g. Asia/Shanghai."))


class City(ShownInReadersLanguage, models.Model):
    """A city the portal serves: a tenant of the deployment (core/tenancy.py). Its staff, riders,
    reports, apartments and canteens are its own; what may differ between cities is set here
    (empty: the deployment's default from settings)."""

    city_lookup = "pk"  # core/tenancy.py

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Riders of an inactive city cannot sign up.")
    )
    # GeoReport v2 `jurisdiction_id`: one per city on the shared endpoint (open311/).
    jurisdiction_id = models.CharField(
        _("Open311 jurisdiction"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The jurisdiction_id departments pass to the Open311 endpoint, e.g. qingdao."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=40,
        default="Asia/Shanghai",
        validators=[validate_time_zone],
        help_text=_("All of China keeps Beijing time (Asia/Shanghai)."),
    )
    sms_sign_name = models.CharField(
        _("SMS sign name"),
        max_length=30,
        blank=True,
        help_text=_("The signature approved for this city's text messages; empty: the default."),
    )
    subsidised_meals_per_day = models.PositiveSmallIntegerField(
        _("subsidised meals per rider per day"),
        null=True,
        blank=True,
        help_text=_("Empty: the deployment's default."),
    )
    service_circle_m = models.PositiveIntegerField(
        _("service circle (metres)"),
        null=True,
        blank=True,
        help_text=_("How far Nearby help looks by day; empty: the deployment's default."),
    )

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subsidised_meals_per_day__isnull=True)
                | models.Q(subsidised_meals_per_day__lte=10),
                name="city_meals_per_day_at_most_ten",
            ),
            models.CheckConstraint(
                condition=models.Q(service_circle_m__isnull=True)
                | models.Q(service_circle_m__gte=100, service_circle_m__lte=20000),
                name="city_service_circle_in_range",
            ),
        ]

    # What the city sets, else the deployment's default (riders_portal/settings.py).
    @property
    def meals_per_day(self) -> int:
        if self.subsidised_meals_per_day is None:
            return int(settings.CANTEEN_SUBSIDISED_MEALS_PER_DAY)
        return self.subsidised_meals_per_day

    @property
    def circle_metres(self) -> int:
        if self.service_circle_m is None:
            return int(settings.SERVICE_CIRCLE_METRES)
        return self.service_circle_m

    @property
    def sign_name(self) -> str:
        return self.sms_sign_name or str(settings.SMS_SIGN_NAME)


class District(ShownInReadersLanguage, models.Model):
    """An administrative district of a city, by its official Chinese name (e.g. 李沧区)."""

    city_lookup = "city"

    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="districts", verbose_name=_("city")
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    # Other names the district is known by in rosters, e.g. 西海岸新区 for 黄岛区.
    alias = models.CharField(_("also known as"), max_length=50, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="district_unique_code_per_city"),
            models.UniqueConstraint(fields=["city", "name"], name="district_unique_name_per_city"),
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="district_centre_in_range",
            ),
        ]


class Notification(models.Model):
    """One message in a user's inbox (the Me page; staff alerts in the admin).

    A system message is its `kind` and `params` (core/messages.py), rendered when read in the
    reader's language. `title` and `body` hold text stored as is: what a person typed (a
    department's comment, as the body) and messages from before kinds, or of a kind no longer
    known.
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    title = models.CharField(_("title"), max_length=120, blank=True)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.heading

    @property
    def heading(self) -> str:
        """The title in the active language."""
        return (self.kind and render_title(self.kind, self.params)) or self.title or self.kind

    @property
    def text(self) -> str:
        """The body in the active language: the kind's body, else the stored one."""
        return (self.kind and render_body(self.kind, self.params)) or self.body
