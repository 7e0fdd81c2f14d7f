"""Volunteer teams led by riders: activities, sign-ups, attendance confirmed by the team leader
or an admin, and verified hours."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import City


class Team(models.Model):
    # A team works in one city (its activities are listed to that city's riders).
    city_lookup = "city"

    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="volunteer_teams", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    leader = models.ForeignKey(
        "riders.Rider", on_delete=models.PROTECT, related_name="led_teams", verbose_name=_("leader")
    )
    founded_on = models.DateField(_("founded on"))
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        "riders.Rider", blank=True, related_name="volunteer_teams", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.city_id is None and self.leader_id is not None:
            self.city_id = self.leader.district.city_id  # the leader's city when founded
        super().save(*args, **kwargs)


class Activity(models.Model):
    city_lookup = "team__city"

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="activities", verbose_name=_("team")
    )
    title = models.CharField(_("title"), max_length=120)
    date = models.DateField(_("date"))
    # When it begins that day; empty for activities planned before times were kept (issue 17):
    # they count as starting at the beginning of their day (riders may cancel until then).
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    capacity = models.PositiveIntegerField(_("capacity"))

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24), name="activity_hours_in_a_day"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_has_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    @property
    def starts_at(self) -> dt.datetime:
        """The start as an aware datetime in the site's time zone (the day's beginning when
        the time is not known)."""
        start = dt.datetime.combine(self.date, self.start_time or dt.time(0, 0))
        return timezone.make_aware(start, timezone.get_default_timezone())

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    @property
    def started(self) -> bool:
        return self.has_started()

    @property
    def sign_up_open(self) -> bool:
        """Sign-up is open until the activity starts; to the end of its day when its time is
        not known (as before times were kept)."""
        if self.start_time is None:
            return self.date >= timezone.localdate()
        return not self.has_started()


class SignUp(models.Model):
    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Did not come")

    city_lookup = "activity__team__city"

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="sign_ups", verbose_name=_("activity")
    )
    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="volunteer_sign_ups",
        verbose_name=_("rider"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SIGNED_UP
    )
    verified_hours = models.DecimalField(
        _("verified hours"), max_digits=4, decimal_places=1, default=0
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity", "created_at"]
        indexes = [models.Index(fields=["rider", "status"], name="sign_up_rider_idx")]
        constraints = [
            models.UniqueConstraint(fields=["activity", "rider"], name="sign_up_once"),
            models.CheckConstraint(
                condition=Q(verified_hours=0) | Q(status="attended"),
                name="sign_up_hours_only_when_attended",
            ),
            models.CheckConstraint(
                condition=Q(verified_hours__gte=0, verified_hours__lte=24),
                name="sign_up_hours_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} — {self.rider_id}"
