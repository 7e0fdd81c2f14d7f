"""Rewards for validated reports (the cash paid through payouts), the points ledger, the
benefits catalogue and the honour roll.

Money and points are written only by rewards/services.py. The database holds the invariants:
one award per (report, kind), a points balance that is never negative, ledger entries whose
sign matches their kind, stock that never goes below zero.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.messages import render_title
from core.models import BilingualName

# Codes read aloud at a counter: no 0/O/1/I.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class Award(models.Model):
    """What one validated report earned its rider: a cash reward or points, each exactly once.

    A cash award is a payable item until a payout batch takes it.
    """

    # Where the report was filed; the points themselves follow the rider (PointsAccount).
    city_lookup = "report__district__city"

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash reward")
        POINTS = "points", _("Points")

    report = models.ForeignKey(
        "governance.Report",
        on_delete=models.PROTECT,
        related_name="awards",
        verbose_name=_("report"),
    )
    rider = models.ForeignKey(
        "riders.Rider", on_delete=models.PROTECT, related_name="awards", verbose_name=_("rider")
    )
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    cash_amount = models.DecimalField(_("cash (yuan)"), max_digits=8, decimal_places=2, default=0)
    points = models.PositiveIntegerField(_("points"), default=0)
    batch = models.ForeignKey(
        "payouts.PayoutBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("payout batch"),
    )
    created_at = models.DateTimeField(_("awarded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="award_once_per_report_kind"),
            models.CheckConstraint(
                condition=Q(kind="cash", cash_amount__gt=0, points=0)
                | Q(kind="points", points__gt=0, cash_amount=0, batch__isnull=True),
                name="award_amount_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["rider", "-created_at"], name="award_rider_idx"),
            # Payable items not yet in a batch, by time: what the next batch takes.
            models.Index(
                fields=["created_at"],
                name="award_unbatched_cash_idx",
                condition=Q(kind="cash", batch__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CASH:
            return f"{self.report_id} ¥{self.cash_amount}"
        return f"{self.report_id} +{self.points}"


class PointsAccount(models.Model):
    """A rider's points balance: the sum of their ledger, kept in step in the same transaction.

    Every ledger write locks this row first, so it is also the lock that serialises one rider's
    redemptions. `manage.py verify_ledgers` proves balance = sum(ledger).
    """

    # The rider's city of today: points belong to the rider and move city with them.
    city_lookup = "rider__district__city"

    rider = models.OneToOneField(
        "riders.Rider",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="points_account",
        verbose_name=_("rider"),
    )
    balance = models.IntegerField(_("points balance"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="points_balance_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id}: {self.balance}"


class LedgerEntry(models.Model):
    """One line of a rider's points ledger. Append-only: never updated, never deleted."""

    city_lookup = "rider__district__city"

    class Kind(models.TextChoices):
        EARNED = "earned", _("Earned")
        REDEEMED = "redeemed", _("Redeemed")
        REFUNDED = "refunded", _("Refunded")
        EXPIRED = "expired", _("Expired")
        ADJUSTED = "adjusted", _("Adjusted")

    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("rider"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    award = models.OneToOneField(
        Award,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entry",
        verbose_name=_("award"),
    )
    redemption = models.ForeignKey(
        "Redemption",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("redemption"),
    )
    # A reason the portal gives (a message kind, rewards/messages.py, rendered in the reader's
    # language), then what a person typed in `reason`, as typed.
    reason_kind = models.CharField(_("reason (system)"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # Credits expire (end of the next calendar year by default); empty for debits.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-id"]
        indexes = [
            # The rider's history page, newest first, paged by id.
            models.Index(fields=["rider", "-id"], name="ledger_rider_idx"),
            models.Index(
                fields=["expires_at"],
                name="ledger_expiry_idx",
                condition=Q(expires_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="ledger_points_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_balance_never_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="earned") | Q(points__gt=0, award__isnull=False),
                name="ledger_earned_from_award",
            ),
            models.CheckConstraint(
                condition=~Q(kind="redeemed") | Q(points__lt=0, redemption__isnull=False),
                name="ledger_redeemed_is_debit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="refunded") | Q(points__gt=0, redemption__isnull=False),
                name="ledger_refunded_is_credit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="expired") | Q(points__lt=0), name="ledger_expired_is_debit"
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjusted") | ~Q(reason=""), name="ledger_adjusted_has_reason"
            ),
            # A redemption is charged once and refunded at most once.
            models.UniqueConstraint(
                fields=["redemption", "kind"],
                condition=Q(redemption__isnull=False),
                name="ledger_one_entry_per_redemption_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id} {self.kind} {self.points:+d}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    @property
    def reason_text(self) -> str:
        """The reason as the reader reads it: the portal's in the active language, then a
        person's words."""
        system = render_title(self.reason_kind) if self.reason_kind else ""
        return ": ".join(part for part in (system, self.reason) if part)


def benefit_picture_path(benefit: "Benefit", filename: str) -> str:
    return f"benefits/{secrets.token_urlsafe(12)}.jpg"


class Benefit(BilingualName):
    """Something riders buy with points: a canteen meal voucher, a mattress upgrade, …"""

    # A benefit of one city, or (no city) of every city: the national catalogue (issue 19).
    city_lookup = "city"

    city = models.ForeignKey(
        "core.City",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="benefits",
        verbose_name=_("city"),
        help_text=_("Leave empty for a benefit riders of every city may buy."),
    )

    class Kind(models.TextChoices):
        MEAL_VOUCHER = "meal", _("Canteen meal voucher")
        MATTRESS = "mattress", _("Mattress upgrade")
        MOBILE_DATA = "data", _("Mobile data")
        EBIKE_SERVICE = "ebike", _("E-bike service")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    provider = models.CharField(
        _("provided by"),
        max_length=100,
        help_text=_("The canteen, merchant or repair point that honours the code."),
    )
    points_price = models.PositiveIntegerField(_("price in points"))
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Leave empty for unlimited.")
    )
    per_rider_limit = models.PositiveSmallIntegerField(
        _("limit per rider"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    active_from = models.DateField(_("available from"))
    active_until = models.DateField(_("available until"), null=True, blank=True)
    picture = models.ImageField(_("picture"), upload_to=benefit_picture_path, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits catalogue")
        ordering = ["sort_order", "points_price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points_price__gt=0), name="benefit_price_positive"),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0),
                name="benefit_stock_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(per_rider_limit__isnull=True) | Q(per_rider_limit__gte=1),
                name="benefit_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_until__gte=F("active_from")),
                name="benefit_dates_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "active_from"], name="benefit_catalogue_idx"),
        ]

    @property
    def display_description(self) -> str:
        if (get_language() or "").startswith("en") and self.description_en:
            return self.description_en
        return self.description


class Redemption(models.Model):
    """A benefit a rider bought with points; the code is shown at the counter."""

    city_lookup = "rider__district__city"

    class Status(models.TextChoices):
        ISSUED = "issued", _("Ready to use")
        USED = "used", _("Used")
        CANCELLED = "cancelled", _("Cancelled, points refunded")

    benefit = models.ForeignKey(
        Benefit, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("benefit")
    )
    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("rider"),
    )
    points = models.PositiveIntegerField(_("points paid"))
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_code)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    created_at = models.DateTimeField(_("redeemed at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked used by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        permissions = [("use_redemption", _("Can mark redemption codes as used"))]
        indexes = [
            models.Index(fields=["rider", "-created_at"], name="redemption_rider_idx"),
            models.Index(fields=["benefit", "rider"], name="redemption_limit_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="redemption_points_positive"),
            models.CheckConstraint(
                condition=~Q(status="used") | Q(used_at__isnull=False),
                name="redemption_used_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="redemption_cancelled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.code


def honour_photo_path(honour: "Honour", filename: str) -> str:
    return f"honours/{secrets.token_urlsafe(12)}.jpg"


class Honour(models.Model):
    """A rider on the honour roll, with their story; public once an admin publishes it."""

    city_lookup = "rider__district__city"

    class Kind(models.TextChoices):
        STATION_LEAD = "station_lead", _("Promoted to station lead")
        BRAVERY = "bravery", _("Bravery award")
        COMMUNITY_HERO = "community_hero", _("Community hero")
        TOP_REPORTER = "top_reporter", _("Top reporter of the month")
        VOLUNTEER_MILESTONE = "volunteer", _("Volunteer milestone")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    rider = models.ForeignKey(
        "riders.Rider", on_delete=models.PROTECT, related_name="honours", verbose_name=_("rider")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    story = models.TextField(_("story (Chinese)"))
    story_en = models.TextField(_("story (English)"), blank=True)
    photo = models.ImageField(_("photo"), upload_to=honour_photo_path, blank=True)
    honoured_on = models.DateField(_("date"))
    # Top reporter of the month: the month (first day) and how many validated reports.
    month = models.DateField(_("month"), null=True, blank=True)
    validated_reports = models.PositiveIntegerField(_("validated reports"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honour roll")
        ordering = ["-honoured_on", "-id"]
        indexes = [
            models.Index(
                fields=["-honoured_on", "-id"],
                name="honour_published_idx",
                condition=Q(status="published"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rider", "month"],
                condition=Q(kind="top_reporter"),
                name="honour_top_reporter_once_a_month",
            ),
            models.CheckConstraint(
                condition=~Q(kind="top_reporter") | Q(month__isnull=False),
                name="honour_top_reporter_has_month",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="honour_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} — {self.rider.name}"

    @property
    def display_title(self) -> str:
        if (get_language() or "").startswith("en") and self.title_en:
            return self.title_en
        return self.title

    @property
    def display_story(self) -> str:
        if (get_language() or "").startswith("en") and self.story_en:
            return self.story_en
        return self.story
