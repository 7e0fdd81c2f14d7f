"""The golden growth plan (金色成长计划): courses, sessions, enrolment with a seat limit,
attendance, completion and verifiable certificates."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import City

CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_certificate_code() -> str:
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(10))


class Course(models.Model):
    class Category(models.TextChoices):
        VOCATIONAL = "vocational", _("Vocational skills")
        SAFETY = "safety", _("Road safety")
        MANAGEMENT = "management", _("Management")
        DEGREE = "degree", _("Academic degree upgrade")

    # Courses are a city's: its riders see them (core/tenancy.py).
    city_lookup = "city"

    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="courses", verbose_name=_("city")
    )
    title = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    provider = models.CharField(_("provider"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    seats = models.PositiveIntegerField(_("seats"))
    required_sessions = models.PositiveSmallIntegerField(
        _("sessions to attend for completion"), default=1
    )
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["category", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="course_has_seats"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
            models.CheckConstraint(
                condition=Q(required_sessions__gte=1), name="course_requires_a_session"
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    def save(self, *args, **kwargs) -> None:
        if self.city_id is None:
            # A course made without a city (scripts and fixtures from before issue 19) is the
            # first city's, the one every course belonged to then.
            self.city = City.objects.order_by("pk").first()
        super().save(*args, **kwargs)

    @property
    def display_title(self) -> str:
        if (get_language() or "").startswith("en") and self.title_en:
            return self.title_en
        return self.title


class Session(models.Model):
    city_lookup = "course__city"

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("course")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["course", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_link=""), name="session_has_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    # The course's city: an enrolment stays there when the rider moves.
    city_lookup = "course__city"

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("course")
    )
    rider = models.ForeignKey(
        "riders.Rider", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("rider")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    certificate_code = models.CharField(
        _("certificate code"), max_length=12, unique=True, null=True, blank=True
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "-id"]
        indexes = [models.Index(fields=["rider", "-enrolled_at"], name="enrolment_rider_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "rider"],
                condition=Q(status__in=["enrolled", "completed"]),
                name="enrolment_once_per_course",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed")
                | Q(completed_at__isnull=False, certificate_code__isnull=False),
                name="enrolment_completed_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} — {self.rider_id}"


class Attendance(models.Model):
    city_lookup = "session__course__city"

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("enrolment")
    )
    present = models.BooleanField(_("present"), default=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.enrolment_id} {'✓' if self.present else '✗'}"
