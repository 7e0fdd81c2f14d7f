"""Payout batches: what the platform's payment system pays riders, in one module for every
kind of money the portal owes (cash rewards, social-insurance subsidies).

    draft ──approve (someone else)──▶ approved ──mark paid──▶ paid (never changes again)
      └──discard──▶ (deleted; its items are payable again; its number is never used again)

The items themselves stay in the app that owns them (rewards.Award, subsidies.Claim and
subsidies.Adjustment point at their batch); that app registers a payouts.sources.PayoutSource
saying which items are payable and how they are exported. Written only by payouts/services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    REWARD = "reward", _("Cash rewards for reports")
    SUBSIDY = "subsidy", _("Social-insurance subsidies")


class PayoutBatch(models.Model):
    """A batch pays one city's items (its city's budget, its staff approve it): never mixes."""

    Source = Source
    city_lookup = "city"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    number = models.CharField(_("batch number"), max_length=20, unique=True)
    source = models.CharField(_("what is paid"), max_length=8, choices=Source.choices)
    city = models.ForeignKey(
        "core.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("city")
    )
    # Items up to the end of this month (first day stored).
    month = models.DateField(_("items up to the end of"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    item_count = models.PositiveIntegerField(_("items"), default=0)
    rider_count = models.PositiveIntegerField(_("riders"), default=0)
    total = models.DecimalField(_("total (yuan)"), max_digits=12, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Null only on subsidy batches paid before batches needed an approval.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Null on batches paid before this was recorded.
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid by"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_payoutbatch", _("Can approve a payout batch someone else created")),
            ("pay_payoutbatch", _("Can mark an approved payout batch as paid")),
        ]
        indexes = [
            models.Index(fields=["source", "status", "-created_at"], name="payout_queue_idx")
        ]
        constraints = [
            # Cash rewards are positive; only subsidy adjustments can recover money.
            models.CheckConstraint(
                condition=Q(source="subsidy") | Q(total__gte=0), name="payout_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False),
                name="payout_approved_has_time",
            ),
            # Four eyes: whoever put the batch together is not who approves it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="payout_approver_not_creator",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False),
                name="payout_paid_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class BatchNumber(models.Model):
    """The last batch number taken for a (source, month): locked to take the next one, never
    lowered, so a discarded batch's number is not handed out again."""

    source = models.CharField(max_length=8, choices=Source.choices)
    month = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("batch number counter")
        verbose_name_plural = _("batch number counters")
        constraints = [
            models.UniqueConstraint(fields=["source", "month"], name="batch_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.month:%Y-%m}: {self.last}"
