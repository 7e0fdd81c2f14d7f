"""A rider's export (their own copy), correction requests and account closure (issue 20,
docs/mydata.md)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_path(export: "DataExport", filename: str) -> str:
    # Private storage under a random name, served only by mydata.views.export_download.
    return f"data-exports/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.zip"


class DataExport(models.Model):
    """A ZIP of everything the portal holds of a rider (core/personal_data.py), built by a
    task (mydata/tasks.py), offered behind the rider's session for EXPORT_HOURS, then deleted by
    the sweep."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be built")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("rider"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # When a worker took it; a building export whose worker died is taken again by the sweep.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_path, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["rider", "-requested_at"], name="data_export_rider_idx"),
            # What the sweep reads: the exports still on their way, and the ready ones by expiry.
            models.Index(
                fields=["requested_at"],
                name="data_export_pending_idx",
                condition=Q(status__in=["queued", "building"]),
            ),
            models.Index(
                fields=["expires_at"], name="data_export_ready_idx", condition=Q(status="ready")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "building", "ready", "failed", "expired"]),
                name="data_export_status_valid",
            ),
            # One on its way at a time: a second click waits for the first.
            models.UniqueConstraint(
                fields=["rider"],
                condition=Q(status__in=["queued", "building"]),
                name="data_export_one_pending_per_rider",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready")
                | (Q(ready_at__isnull=False, expires_at__isnull=False) & ~Q(file="")),
                name="data_export_ready_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(status="expired") | Q(file=""), name="data_export_expired_no_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id} @ {self.requested_at:%Y-%m-%d %H:%M} ({self.status})"

    def is_downloadable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and (self.expires_at > now)
        )


class CorrectionRequest(models.Model):
    """A rider asks the centre to correct profile data that comes from the roster; a task in
    the admin, applied through riders.services.rider_profile_correct (audited) or refused."""

    class Field(models.TextChoices):
        NAME = "name", _("Name")
        STATION = "station", _("Delivery station")
        DISTRICT = "district", _("District")
        GENDER = "gender", _("Gender")
        JOINED_ON = "joined_on", _("Join date")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the service centre")
        DONE = "done", _("Corrected")
        REFUSED = "refused", _("Not corrected")

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.CASCADE,
        related_name="correction_requests",
        verbose_name=_("rider"),
    )
    field = models.CharField(_("what to correct"), max_length=12, choices=Field.choices)
    current_value = models.CharField(_("value now"), max_length=100, blank=True)
    requested_value = models.CharField(_("correct value"), max_length=100)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["rider", "-created_at"], name="correction_rider_idx"),
            models.Index(
                fields=["created_at"], name="correction_open_idx", condition=Q(status="open")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "refused"]), name="correction_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(field__in=["name", "station", "district", "gender", "joined_on"]),
                name="correction_field_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(handled_at__isnull=False),
                name="correction_handled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(answer=""),
                name="correction_refusal_has_answer",
            ),
            models.UniqueConstraint(
                fields=["rider", "field"],
                condition=Q(status="open"),
                name="correction_one_open_per_field",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id}: {self.field} → {self.requested_value}"


class AccountClosure(models.Model):
    """A closed rider account: who closed it and why, and what each holding erased and kept
    (mydata/services.py account_close, docs/decisions.md "Account closure")."""

    city_lookup = "rider__district__city"

    rider = models.OneToOneField(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="closure",
        verbose_name=_("rider"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Staff who closed it on the rider's request; empty when the rider closed it themself.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # {holding name: {"label": …, "erased": rows touched, "kept": what stays and why}}
    summary = models.JSONField(_("what was erased and kept"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Staff close an account only with a reason (the rider's own request needs none).
            models.CheckConstraint(
                condition=Q(by__isnull=True) | ~Q(reason=""), name="closure_by_staff_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id} ({self.closed_at or self.requested_at:%Y-%m-%d})"

    def get_additional_data(self) -> dict:
        # On the audit entry (django-auditlog): why, beside who.
        return {"reason": self.reason}
