"""Social-insurance subsidies (社保补贴): monthly claims, the dated policy table, review and
payout batches. The subsidy is computed by subsidies/services.py, never typed.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BilingualName, City
from riders.models import Tier


class InsuranceType(BilingualName):
    """Pension, medical, work injury, … (admin-editable)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("insurance type")
        verbose_name_plural = _("insurance types")
        ordering = ["sort_order", "code"]


class SubsidyPolicy(models.Model):
    """The rates (and an optional monthly cap) for one insurance type from a month on.

    A claim for month M uses, per insurance type, the policy with the latest start ≤ M: a
    policy change applies from its start month and older claims keep their rate.

    Each city may have its own table (`city`); a city without a policy of its own for a type
    and month uses the national one (no city) — subsidies/services.py policies_for.
    """

    city_lookup = "city"

    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_policies",
        verbose_name=_("city"),
        help_text=_("Empty: the national policy, for every city without one of its own."),
    )

    insurance_type = models.ForeignKey(
        InsuranceType,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("insurance type"),
    )
    starts_on = models.DateField(_("from month"), help_text=_("The first day of a month."))
    voluntary_rate = models.DecimalField(
        _("rate for riders who enrolled voluntarily"),
        max_digits=4,
        decimal_places=3,
        help_text=_("0.500 = 50 %."),
    )
    honour_rate = models.DecimalField(
        _("rate for honour riders and team captains"),
        max_digits=4,
        decimal_places=3,
        help_text=_("1.000 = 100 %."),
    )
    monthly_cap = models.DecimalField(
        _("monthly cap (yuan)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty for no cap."),
    )

    class Meta:
        verbose_name = _("subsidy policy")
        verbose_name_plural = _("subsidy policies")
        ordering = ["insurance_type", "-starts_on"]
        constraints = [
            # One policy per type and start month in each city's table, and in the national.
            models.UniqueConstraint(
                fields=["insurance_type", "starts_on"],
                condition=Q(city__isnull=True),
                name="subsidy_policy_one_per_start",
            ),
            models.UniqueConstraint(
                fields=["city", "insurance_type", "starts_on"],
                condition=Q(city__isnull=False),
                name="subsidy_policy_one_per_city_start",
            ),
            models.CheckConstraint(
                condition=Q(voluntary_rate__gte=0, voluntary_rate__lte=1)
                & Q(honour_rate__gte=0, honour_rate__lte=1),
                name="subsidy_policy_rates_in_range",
            ),
            models.CheckConstraint(
                condition=Q(monthly_cap__isnull=True) | Q(monthly_cap__gte=0),
                name="subsidy_policy_cap_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurance_type} {self.starts_on:%Y-%m}"


def proof_path(claim: "Claim", filename: str) -> str:
    suffix = ".pdf" if filename.lower().endswith(".pdf") else ".jpg"
    return f"subsidy-proofs/{claim.month:%Y/%m}/{secrets.token_urlsafe(16)}{suffix}"


class Claim(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    # The city that pays the claim: the rider's when filing. It stays when the rider moves.
    city_lookup = "city"

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="subsidy_claims",
        verbose_name=_("rider"),
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="+", verbose_name=_("city")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month claimed."))
    tier = models.CharField(_("tier that counts"), max_length=10, choices=Tier.choices)
    proof = models.FileField(_("proof of payment"), upload_to=proof_path)
    total_paid = models.DecimalField(_("paid by the rider (yuan)"), max_digits=9, decimal_places=2)
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=9, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # When the rider was told the decision (subsidies/notices.py): after the review's commit, by
    # a task, so approving 41,000 claims does not wait on 82,000 messages; empty after a decision
    # means a task is on its way or was lost (the sweep finds it).
    decision_told_at = models.DateTimeField(_("rider told at"), null=True, blank=True)
    batch = models.ForeignKey(
        "payouts.PayoutBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("payout batch"),
    )
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        ordering = ["-month", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "month"], name="claim_review_idx"),
            models.Index(
                fields=["month"],
                name="claim_payable_idx",
                condition=Q(status="approved", batch__isnull=True),
            ),
            models.Index(
                fields=["reviewed_at"],
                name="claim_decision_untold_idx",
                condition=Q(decision_told_at__isnull=True, reviewed_at__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rider", "month"], name="claim_one_per_rider_month"),
            models.CheckConstraint(
                condition=Q(total_paid__gt=0)
                & Q(subsidy__gte=0)
                & Q(subsidy__lte=models.F("total_paid")),
                name="claim_amounts_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="claim_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(reviewed_at__isnull=False),
                name="claim_reviewed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(batch__isnull=True) | Q(status__in=["approved", "paid"]),
                name="claim_batched_only_when_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id} {self.month:%Y-%m}"

    def save(self, *args, **kwargs) -> None:
        if self.city_id is None and self.rider_id is not None:
            self.city_id = self.rider.district.city_id  # subsidies.services claim_file sets it
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        """Approved and paid claims never change; corrections are adjustments."""
        return self.status in (self.Status.APPROVED, self.Status.PAID)


class ClaimLine(models.Model):
    """What the rider paid for one insurance type, and the subsidy computed for it."""

    city_lookup = "claim__city"

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="lines", verbose_name=_("claim")
    )
    insurance_type = models.ForeignKey(
        InsuranceType, on_delete=models.PROTECT, related_name="+", verbose_name=_("insurance type")
    )
    amount_paid = models.DecimalField(_("paid (yuan)"), max_digits=9, decimal_places=2)
    policy = models.ForeignKey(
        SubsidyPolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("policy")
    )
    rate = models.DecimalField(_("rate"), max_digits=4, decimal_places=3)
    capped = models.BooleanField(_("capped"), default=False)
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "insurance_type"], name="claim_line_one_per_type"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gt=0)
                & Q(subsidy__gte=0)
                & Q(subsidy__lte=models.F("amount_paid")),
                name="claim_line_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurance_type}: {self.amount_paid} → {self.subsidy}"


class Adjustment(models.Model):
    """A correction to an approved or paid claim: a new entry, paid in the next batch."""

    city_lookup = "claim__city"

    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("claim")
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=9, decimal_places=2, help_text=_("Negative to recover.")
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    batch = models.ForeignKey(
        "payouts.PayoutBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_adjustments",
        verbose_name=_("payout batch"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim adjustment")
        verbose_name_plural = _("claim adjustments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.claim} {self.amount:+}"
