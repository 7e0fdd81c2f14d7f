"""The privacy notice, its versions and a rider's acceptances and optional consents.

The notice's text is the template templates/privacy/notice.html (in every language through
gettext); a `PrivacyNotice` row is a published version of it: its number, when it was
published and what changed. The current notice is the one with the highest version; publishing
a new one (the admin's "add") makes every rider accept again before the next page
(privacy/middleware.py). Acceptances and consent events are history: never changed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    """A published version of the notice. Shared by every city: one text for the deployment."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published at"))
    changes = models.CharField(_("what changed (Chinese)"), max_length=300)
    changes_en = models.CharField(_("what changed (English)"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1), name="privacy_notice_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Privacy notice, version %(version)s") % {"version": self.version})

    @property
    def display_changes(self) -> str:
        if (get_language() or "").startswith("en") and self.changes_en:
            return self.changes_en
        return self.changes


class Channel(models.TextChoices):
    """How the rider had signed in when they accepted."""

    WEB = "web", _("Web (SMS code)")
    PLATFORM = "platform", _("Delivery platform sign-in")


class NoticeAcceptance(models.Model):
    """A rider accepted a version of the notice: once per version."""

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.CASCADE,
        related_name="notice_acceptances",
        verbose_name=_("rider"),
    )
    notice = models.ForeignKey(
        PrivacyNotice,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("notice"),
    )
    accepted_at = models.DateTimeField(_("accepted at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("notice acceptance")
        verbose_name_plural = _("notice acceptances")
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rider", "notice"], name="notice_acceptance_once_per_version"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]),
                name="notice_acceptance_channel_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider} — v{self.notice.version}"


class Purpose(models.TextChoices):
    """What a rider may agree to beyond the service itself; refusing never blocks anything."""

    SMS_NOTICES = "sms_notices", _("SMS notices (bed offers, questions about my reports…)")
    HONOUR_ROLL_PUBLIC = "honour_roll_public", _("Appear on the honour roll with photo and story")


PURPOSE_CHECK = Q(purpose__in=[p.value for p in Purpose])


class ConsentChoice(models.Model):
    """A rider's current choice for one purpose; no row means not granted."""

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        "riders.Rider", on_delete=models.CASCADE, related_name="consents", verbose_name=_("rider")
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["rider", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["rider", "purpose"], name="consent_one_per_purpose"),
            models.CheckConstraint(condition=PURPOSE_CHECK, name="consent_purpose_known"),
        ]

    def __str__(self) -> str:
        return f"{self.rider} — {self.get_purpose_display()}: {self.granted}"


class ConsentEvent(models.Model):
    """Every change of a consent, as it happened, with the notice version then current.
    Append-only: on PostgreSQL a trigger refuses UPDATE (migration 0003); rows go only with
    the rider (account closure, retention)."""

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.CASCADE,
        related_name="consent_events",
        verbose_name=_("rider"),
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("at"))
    notice_version = models.PositiveIntegerField(_("notice version"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent history")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=PURPOSE_CHECK, name="consent_event_purpose_known"),
        ]

    def __str__(self) -> str:
        return f"{self.rider} — {self.get_purpose_display()}: {self.granted} ({self.at:%Y-%m-%d})"


__all__ = [
    "Channel",
    "ConsentChoice",
    "ConsentEvent",
    "NoticeAcceptance",
    "PrivacyNotice",
    "Purpose",
]
