"""Signed webhooks: departments (and the platform) are told about their reports' events."""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import CityFilledIn


class Event(models.TextChoices):
    ROUTED = "report.routed", _("Report routed to the department")
    OVERDUE = "report.overdue", _("Report overdue")
    ESCALATED = "report.escalated", _("Report escalated (twice the deadline)")
    CLOSED = "report.closed", _("Report closed")
    REOPENED = "report.reopened", _("Report reopened: the rider says it is not fixed")
    CONFIRMED = "report.confirmed", _("Fix confirmed by the rider (or by default)")
    SUPERVISION = "report.supervision", _("Report under the centre's supervision")
    URGENT = "report.urgent", _("Urgent report for the department (paged at once)")
    ANSWERED = "report.answered", _("The rider answered the department's question")
    ASSISTING = "report.assisting", _("The department was asked to assist with a report")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(CityFilledIn, models.Model):
    """A receiver URL. With a department: that department's reports; without: every report of
    its city (the delivery platform, which tells the rider's app), never another city's."""

    city_lookup = "city"

    label = models.CharField(_("label"), max_length=100)
    department = models.ForeignKey(
        "governance.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("department"),
        help_text=_("Leave empty for a platform receiver that gets every report's events."),
    )
    city = models.ForeignKey(
        "core.City",
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("city"),
        blank=True,
        help_text=_("A department's receiver is of its city; a platform receiver of this one."),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=100, default=new_secret)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    city_required_message = _("Choose the city whose reports it receives.")


class Delivery(models.Model):
    """One event for one receiver: an outbox row that carries its own schedule.

    A worker claims a due row (a conditional UPDATE that sets `claimed_until`), makes the HTTP
    call outside any transaction, records the attempt and writes the next `next_attempt_at`
    here. A worker killed mid-attempt leaves a claim that expires, so the row becomes due again
    and the beat sweep picks it up: nothing depends on a broker message surviving.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (due or retrying)")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed: gave up after 24 h")

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    delivery_id = models.UUIDField(
        _("delivery id"), default=uuid.uuid4, unique=True, editable=False
    )
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    report = models.ForeignKey(
        "governance.Report", on_delete=models.CASCADE, related_name="+", verbose_name=_("report")
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # The lease of the worker trying it now; a dead worker's lease simply runs out.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # Who holds the lease: the sweep claims a batch and hands its token to the tasks it queues.
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    city_lookup = "webhook__city"

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the sweep reads every 30 s: only unfinished rows, by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]),
                name="delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.delivery_id})"


class Attempt(models.Model):
    """One try at a delivery: what the receiver answered, or why it could not."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    ok = models.BooleanField(_("succeeded"))
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    error = models.CharField(_("error"), max_length=300, blank=True)

    city_lookup = "delivery__webhook__city"

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
