"""City-problem reports (随手拍): the five roles, categories, departments, routing, reports.

Status changes happen only in governance/workflow.py, which also writes the timeline.
"""

import re
import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, SideChannelDevice, ThrottlingMixin

from core.messages import render_title
from core.models import BilingualName, City, District
from riders.phones import EncryptedPhoneField


class Role(BilingualName):
    """One of the five civic roles riders take on (五大员)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("civic role")
        verbose_name_plural = _("civic roles")
        ordering = ["sort_order", "code"]


class Priority(models.IntegerChoices):
    """How soon a report must be closed (issue 14). Stored as a rank so that "urgent first" is
    an ascending sort the queues' indexes can serve."""

    URGENT = 1, _("Urgent")
    NORMAL = 2, _("Normal")
    LOW = 3, _("Low")


class Category(BilingualName):
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="categories", verbose_name=_("role")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    closure_hours = models.PositiveSmallIntegerField(
        _("closure hours"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("A routed report of normal priority must be closed within this many hours."),
    )
    # Per-priority deadlines: empty takes REPORT_URGENT_HOURS / REPORT_LOW_HOURS, kept on the
    # right side of the normal deadline (Category.hours_for).
    urgent_hours = models.PositiveSmallIntegerField(
        _("closure hours when urgent"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Leave empty for the city's default for urgent reports."),
    )
    low_hours = models.PositiveSmallIntegerField(
        _("closure hours when low priority"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Leave empty for the city's default for low-priority reports."),
    )
    default_priority = models.PositiveSmallIntegerField(
        _("default priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    cash_reward = models.DecimalField(
        _("cash reward (yuan)"), max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    points_reward = models.PositiveIntegerField(_("points reward"), default=0)
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50, validators=[MinValueValidator(1)]
    )
    duplicate_window_hours = models.PositiveIntegerField(
        _("duplicate window (hours)"), default=72, validators=[MinValueValidator(1)]
    )
    # What a resolution must carry before the rider is asked "is it fixed?" (issue 14).
    min_reply_chars = models.PositiveSmallIntegerField(
        _("shortest reply (characters)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("A department's resolution must say at least this much about what was done."),
    )
    evidence_required = models.BooleanField(
        _("evidence photo required"),
        default=False,
        help_text=_("A resolution must include a photo of the fixed problem."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["role__sort_order", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closure_hours__gte=1), name="category_closure_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(cash_reward__gte=0), name="category_cash_reward_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(duplicate_radius_m__gte=1) & Q(duplicate_window_hours__gte=1),
                name="category_duplicate_rule_positive",
            ),
            models.CheckConstraint(
                condition=Q(default_priority__in=Priority.values),
                name="category_default_priority_valid",
            ),
            # Urgent is never slower than normal, low never faster.
            models.CheckConstraint(
                condition=Q(urgent_hours__isnull=True)
                | Q(urgent_hours__gte=1, urgent_hours__lte=models.F("closure_hours")),
                name="category_urgent_hours_within_normal",
            ),
            models.CheckConstraint(
                condition=Q(low_hours__isnull=True) | Q(low_hours__gte=models.F("closure_hours")),
                name="category_low_hours_beyond_normal",
            ),
        ]

    def hours_for(self, priority: int, *, closure_hours: int | None = None) -> int:
        """The closure time for a report of this priority: the category's own, else the
        setting, clamped so urgent ≤ normal ≤ low. `closure_hours`: a city's own normal
        deadline for the category (CityCategory), which the clamp then follows."""
        normal = closure_hours or self.closure_hours
        if priority == Priority.URGENT:
            return min(self.urgent_hours or settings.REPORT_URGENT_HOURS, normal)
        if priority == Priority.LOW:
            return max(self.low_hours or settings.REPORT_LOW_HOURS, normal)
        return normal


class Department(BilingualName):
    """A city department that receives and closes reports."""

    city_lookup = "city"  # core/tenancy.py

    code = models.SlugField(_("code"), max_length=40, unique=True)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="departments", verbose_name=_("city")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]


class Officer(models.Model):
    """A department officer's account (issue 15): a person of a street office, grid station or
    bureau who works the department's reports in the workbench (/desk/). A head sees and assigns
    the team's work; any officer works every report of the department."""

    city_lookup = "department__city"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="officer",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="officers", verbose_name=_("department")
    )
    is_head = models.BooleanField(
        _("department head"),
        default=False,
        help_text=_("Sees the team's work and assigns reports to officers."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Encrypted at rest like riders' numbers (riders/phones.py); never looked up by number.
    phone = EncryptedPhoneField(
        _("mobile number"),
        max_length=11,
        blank=True,
        null=True,
        validators=[
            RegexValidator(
                r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number, e.g. 13912345678.")
            )
        ],
        help_text=_(
            "Sign-in codes by SMS go here, the alternative to an authenticator app. Empty: "
            "the officer signs in with the app only."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department officer")
        verbose_name_plural = _("department officers")
        ordering = ["department", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.department})"


class OfficerSMSDevice(CooldownMixin, ThrottlingMixin, SideChannelDevice):
    """The workbench's second factor by SMS (django-otp's side-channel device): a 6-digit code
    texted to the officer's mobile (Officer.phone, read when sending, so a changed number needs
    no new device), valid SIGN_IN_CODE_TTL_SECONDS, one live at a time and used once; at most
    one SMS per SIGN_IN_CODE_RESEND_SECONDS (the cooldown); each wrong code doubles the wait
    before the next try, and SIGN_IN_CODE_MAX_ATTEMPTS wrong codes burn the code, as for a
    rider's sign-in code (riders/services.py)."""

    city_lookup = "user__city"

    class Meta:
        verbose_name = _("workbench SMS sign-in device")
        verbose_name_plural = _("workbench SMS sign-in devices")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="officer_sms_device_one_per_user")
        ]

    def get_throttle_factor(self) -> int:
        return 1

    def get_cooldown_duration(self) -> int:
        return int(settings.SIGN_IN_CODE_RESEND_SECONDS)

    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        if super().verify_token(token):  # clears the code and the cooldown
            self.throttle_reset()
            return True
        self.throttle_increment(commit=False)
        if self.throttling_failure_count >= settings.SIGN_IN_CODE_MAX_ATTEMPTS:
            self.token = None  # guessing on: ask for a new code
        self.save()
        return False


class CityMismatch(ValidationError):
    """A row that joins two cities (a Jinan department for a Qingdao district)."""


class RoutingRule(models.Model):
    """(category, district) → department. A rule without a district covers the whole category
    in its city (issue 19): in the district's city, and the department's."""

    city_lookup = "city"

    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("city"),
        help_text=_("Filled from the district or the department when left empty."),
        blank=True,
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("category")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("district"),
        help_text=_("Leave empty for the category-wide default."),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="routing_rules",
        verbose_name=_("department"),
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "district"], name="routing_rule_unique_per_district"
            ),
            # One category-wide default per city.
            models.UniqueConstraint(
                fields=["category", "city"],
                condition=Q(district__isnull=True),
                name="routing_rule_one_default_per_category_city",
            ),
        ]

    def __str__(self) -> str:
        where = self.district or _("all districts")
        return f"{self.category} / {where} → {self.department}"

    def save(self, *args, **kwargs) -> None:
        self._fill_city()
        self.city_check()
        super().save(*args, **kwargs)

    def _fill_city(self) -> None:
        if self.city_id is None:
            if self.district_id is not None:
                self.city_id = District.objects.values_list("city_id", flat=True).get(
                    pk=self.district_id
                )
            elif self.department_id is not None:
                self.city_id = Department.objects.values_list("city_id", flat=True).get(
                    pk=self.department_id
                )

    def clean(self) -> None:
        super().clean()
        self._fill_city()
        self.city_check()

    def city_check(self) -> None:
        """The rule's district and department are of the rule's city: routing never sends a
        report to another city's department (issue 19)."""
        error = _("The district and the department must be of the rule's city.")
        if self.district_id is not None and self.district.city_id != self.city_id:
            raise CityMismatch({"district": error})
        if self.department_id is not None and self.department.city_id != self.city_id:
            raise CityMismatch({"department": error})


class CityCategory(models.Model):
    """A report category as one city runs it (issue 19): offered there or not, and the city's own
    deadline and rewards where they differ from the category's. No row: the category as it is."""

    city_lookup = "city"

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="categories", verbose_name=_("city")
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="cities", verbose_name=_("category")
    )
    is_enabled = models.BooleanField(
        _("offered in this city"),
        default=True,
        help_text=_("Untick: the city's riders and its Open311 integrations cannot use it."),
    )
    closure_hours = models.PositiveSmallIntegerField(
        _("closure hours"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Empty: the category's own."),
    )
    cash_reward = models.DecimalField(
        _("cash reward (yuan)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the category's own."),
    )
    points_reward = models.PositiveIntegerField(
        _("points reward"), null=True, blank=True, help_text=_("Empty: the category's own.")
    )

    class Meta:
        verbose_name = _("category in a city")
        verbose_name_plural = _("categories in cities")
        ordering = ["city", "category"]
        constraints = [
            models.UniqueConstraint(fields=["city", "category"], name="city_category_once"),
            models.CheckConstraint(
                condition=Q(closure_hours__isnull=True) | Q(closure_hours__gte=1),
                name="city_category_closure_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(cash_reward__isnull=True) | Q(cash_reward__gte=0),
                name="city_category_cash_reward_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} / {self.category}"


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITH_DISPATCHER = "dispatch", _("With the dispatcher")
    ROUTED = "routed", _("Routed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    WAITING = "waiting", _("Waiting for the rider's answer")
    RESOLVED = "resolved", _("Resolved, waiting for the rider's check")
    REOPENED = "reopened", _("Reopened: not fixed")
    SUPERVISION = "supervision", _("Under the centre's supervision")
    CONFIRMED = "confirmed", _("Fixed and confirmed")
    CLOSED = "closed", _("Closed by the centre")
    REJECTED = "rejected", _("Rejected by department")
    INVALID = "invalid", _("Closed as invalid")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = (
    ReportStatus.SUBMITTED,
    ReportStatus.WITH_DISPATCHER,
    ReportStatus.ROUTED,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.WAITING,
    ReportStatus.REJECTED,
    ReportStatus.REOPENED,
    ReportStatus.SUPERVISION,
)
# Resolved counts as closed for the department (its work is done, the clock stopped) while the
# rider checks the fix; it then becomes confirmed, or reopened.
CLOSED_STATUSES = (
    ReportStatus.RESOLVED,
    ReportStatus.CONFIRMED,
    ReportStatus.CLOSED,
    ReportStatus.INVALID,
    ReportStatus.DUPLICATE,
)
WITH_DEPARTMENT = (
    ReportStatus.ROUTED,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.WAITING,
    ReportStatus.REOPENED,
)
# Fixed by the department: waiting for the rider's check, or confirmed.
FIXED_STATUSES = (ReportStatus.RESOLVED, ReportStatus.CONFIRMED)


def new_public_id() -> str:
    # Not guessable, short enough to read out on the phone; no 0/O/1/I.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "R" + "".join(secrets.choice(alphabet) for _ in range(9))


class Report(models.Model):
    city_lookup = "district__city"

    public_id = models.CharField(
        _("report number"), max_length=12, unique=True, default=new_public_id, editable=False
    )
    # Four foreign keys without their own one-column index (db_index=False): the composite
    # indexes below start with the same column and serve the same lookups (rider: report_rider_idx,
    # category: report_duplicate_idx, department: report_department_idx, assignee:
    # report_assignee_idx). Every routing and every deadline stage rewrites rows and so every
    # index of the table (the status and the watch column are indexed: no HOT update); the
    # deadline sweep spent most of its time there (issue 18).
    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("rider"),
        db_index=False,
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("category"),
        db_index=False,
    )
    description = models.TextField(_("description"), max_length=2000)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="reports", verbose_name=_("district")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # No GPS from the phone or the photos: the rider typed an address and the point is the
    # district's centre. Such reports are not used to detect duplicates by distance.
    location_approximate = models.BooleanField(_("approximate location"), default=False)
    # A photo link sent by an Open311 integration with the report; shown, never fetched.
    media_url = models.URLField(_("photo link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("department"),
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    warned_at = models.DateTimeField(_("pre-breach warning sent at"), null=True, blank=True)
    # The department's officer working it (the workbench's "assigned to me"); empty: anyone.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
        db_index=False,
    )
    # While waiting for the rider's answer to a department's question: since when the closure
    # clock is paused (the deadline moves on by the pause when it resumes).
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    # The next moment the deadline sweep must look at this report (warning, deadline, 2×
    # deadline); empty when there is nothing left to watch. One indexed column keeps the
    # sweep an index range scan however many reports there are.
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    reply = models.TextField(_("department's reply"), blank=True)
    # While resolved: when "is it fixed?" counts as answered yes if the rider has not answered.
    verify_by = models.DateTimeField(_("rider's check due by"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Validated: the problem was real. Set when the fix is confirmed (by the rider or by their
    # silence), or by a dispatcher by hand; a validated report earns its rider the category's
    # rewards (rewards/).
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    # Kept by services.report_join under the row lock, so a status change asks for the
    # supporters only when there are some.
    supporter_count = models.PositiveIntegerField(_("riders who joined"), default=0)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="report_deadline_watch_idx",
                condition=Q(next_check_at__isnull=False),
            ),
            models.Index(
                fields=["created_at"],
                name="report_unrouted_idx",
                condition=Q(status="submitted"),
            ),
            models.Index(fields=["rider", "-created_at"], name="report_rider_idx"),
            models.Index(fields=["department", "status", "due_at"], name="report_department_idx"),
            # The department API's list: urgent first, then by due time, paged by
            # (priority, due_at, id).
            models.Index(
                fields=["department", "priority", "due_at", "id"],
                name="report_department_queue_idx",
            ),
            models.Index(fields=["category", "latitude", "longitude"], name="report_duplicate_idx"),
            # The workbench's "assigned to me".
            models.Index(
                fields=["assignee", "due_at"],
                name="report_assignee_idx",
                condition=Q(assignee__isnull=False),
            ),
            models.Index(fields=["status", "-created_at"], name="report_status_idx"),
            models.Index(
                fields=["closed_at"],
                name="report_fixed_idx",
                condition=Q(status__in=["resolved", "confirmed"]),
            ),
            # The auto-accept sweep: resolved reports whose check is due.
            models.Index(
                fields=["verify_by"],
                name="report_verify_due_idx",
                condition=Q(verify_by__isnull=False),
            ),
            # The award sweep and the monthly top-reporter count read validated reports by time.
            models.Index(
                fields=["validated_at"],
                name="report_validated_idx",
                condition=Q(validated_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="report_location_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=WITH_DEPARTMENT)
                | (
                    Q(department__isnull=False)
                    & Q(routed_at__isnull=False)
                    & Q(due_at__isnull=False)
                ),
                name="report_routed_has_department_and_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.ACKNOWLEDGED) | Q(acknowledged_at__isnull=False),
                name="report_acknowledged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=CLOSED_STATUSES) | Q(closed_at__isnull=False),
                name="report_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.DUPLICATE) | Q(duplicate_of__isnull=False),
                name="report_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")), name="report_not_duplicate_of_itself"
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=2), name="report_escalation_level_range"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="report_priority_valid"
            ),
            # The clock is paused exactly while the report waits for the rider's answer.
            models.CheckConstraint(
                condition=Q(status=ReportStatus.WAITING, paused_at__isnull=False)
                | (~Q(status=ReportStatus.WAITING) & Q(paused_at__isnull=True)),
                name="report_paused_only_while_waiting",
            ),
            models.CheckConstraint(
                condition=Q(verify_by__isnull=True) | Q(status=ReportStatus.RESOLVED),
                name="report_check_only_while_resolved",
            ),
            # Invalid reports and duplicates never earn a reward.
            models.CheckConstraint(
                condition=Q(validated_at__isnull=True)
                | ~Q(status__in=[ReportStatus.INVALID, ReportStatus.DUPLICATE]),
                name="report_validated_not_invalid_or_duplicate",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _random_jpeg_path(folder: str, photo, suffix: str = "") -> str:
    # Random file names: photo URLs must not be guessable from the report number.
    return f"{folder}/{photo.report.created_at:%Y/%m}/{secrets.token_urlsafe(16)}{suffix}.jpg"


def report_photo_path(photo: "ReportPhoto", filename: str) -> str:
    return _random_jpeg_path("reports", photo)


def report_thumbnail_path(photo: "ReportPhoto", filename: str) -> str:
    return _random_jpeg_path("reports", photo, "-thumb")


def redacted_path(photo: "RedactedPhoto", filename: str) -> str:
    return _random_jpeg_path(photo.FOLDER, photo, "-redacted")


def redacted_thumbnail_path(photo: "RedactedPhoto", filename: str) -> str:
    return _random_jpeg_path(photo.FOLDER, photo, "-redacted-thumb")


class RedactedPhoto(models.Model):
    """A street photo's blurred copy (issue 20, PIPL): bystanders' faces and number plates
    blurred, automatically (core/redaction.py) and by hand (the admin's "redact region").
    Everyone but the reporter and the dispatcher sees only `redacted` (governance/photos.py);
    until it exists they see no photo. The original `image` is deleted
    RETENTION_REPORT_PHOTO_ORIGINALS_DAYS after the report closed (report_photo_originals_expire),
    after which the reporter sees the redacted copy too."""

    FOLDER = "reports"
    # The original's field: `image` on report and evidence photos, `photo` on the riders'
    # answers (their checks of a fix, their answers to a department's question).
    ORIGINAL = "image"

    # The blurred copy, same size as the original, and its thumbnail (the original's
    # thumbnail shows the faces too); empty until the task has made them.
    redacted = models.ImageField(_("blurred copy"), upload_to=redacted_path, blank=True)
    redacted_thumbnail = models.ImageField(
        _("blurred thumbnail"), upload_to=redacted_thumbnail_path, blank=True
    )
    # [{"x", "y", "w", "h" (0–1 of the photo), "kind": face|plate|manual, "source": auto|manual}]
    redaction_boxes = models.JSONField(_("blurred regions"), default=list, blank=True)
    redacted_at = models.DateTimeField(_("blurred at"), null=True, blank=True)
    # When the original was deleted under the retention rule; the blurred copy stays.
    original_deleted_at = models.DateTimeField(_("original deleted at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def original(self) -> models.fields.files.FieldFile:
        return getattr(self, self.ORIGINAL)


class ReportPhoto(RedactedPhoto):
    """A photo of the problem, re-encoded as JPEG without EXIF; at most 3 per report."""

    city_lookup = "report__district__city"

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("report")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    image = models.ImageField(_("photo"), upload_to=report_photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=report_thumbnail_path)
    width = models.PositiveIntegerField(_("width (px)"), default=0)
    height = models.PositiveIntegerField(_("height (px)"), default=0)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["report", "position"]
        # The admin's "redact region" (issue 20): dispatchers and centre admins.
        permissions = [("redact_reportphoto", _("Can blur regions of report photos"))]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="report_photo_position"),
            # Positions 1–3 with uniqueness: the database itself holds at most 3 photos.
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=3), name="report_photo_at_most_three"
            ),  # A photo counts as blurred only with its blurred copy (serving relies on it).
            models.CheckConstraint(
                condition=Q(redacted_at__isnull=True) | ~Q(redacted=""),
                name="report_photo_redacted_with_copy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.position}"


def evidence_path(photo: "EvidencePhoto", filename: str) -> str:
    return _random_jpeg_path("evidence", photo)


def evidence_thumbnail_path(photo: "EvidencePhoto", filename: str) -> str:
    return _random_jpeg_path("evidence", photo, "-thumb")


class EvidencePhoto(RedactedPhoto):
    """A department's photo of the fixed problem, sent with its resolution."""

    FOLDER = "evidence"

    city_lookup = "report__district__city"

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("report")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    image = models.ImageField(_("photo"), upload_to=evidence_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=evidence_thumbnail_path)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["report", "created_at"]
        permissions = [("redact_evidencephoto", _("Can blur regions of evidence photos"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(redacted_at__isnull=True) | ~Q(redacted=""),
                name="evidence_photo_redacted_with_copy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} evidence"


class ReportEvent(models.Model):
    """One line of a report's timeline, written by the code that changed the report."""

    city_lookup = "report__district__city"

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ROUTED = "routed", _("Routed to department")
        TO_DISPATCHER = "to_dispatcher", _("Passed to the dispatcher")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected by department")
        CLOSED_INVALID = "invalid", _("Closed as invalid")
        DUPLICATE = "duplicate", _("Linked to an earlier report")
        JOINED = "joined", _("Another rider saw it too")
        WARNED = "warned", _("Deadline approaching")
        ESCALATED = "escalated", _("Escalated")
        COMMENT = "comment", _("Comment")
        VALIDATED = "validated", _("Validated by the service centre")
        ANSWERED = "answered", _("A rider checked the fix")
        CONFIRMED = "confirmed", _("Fix confirmed")
        REOPENED = "reopened", _("Reopened: not fixed")
        SUPERVISION = "supervision", _("Sent to the centre for supervision")
        REDO = "redo", _("The centre ordered it redone")
        CLOSED = "closed", _("Closed by the centre")
        ASKED = "asked", _("The department asked the rider")
        RIDER_ANSWERED = "rider_answered", _("The rider answered")
        QUESTION_EXPIRED = "question_expired", _("No answer in time: the clock runs again")
        PRIORITY = "priority", _("Priority changed")
        TRANSFER_ASKED = "transfer_asked", _("Transfer requested")
        TRANSFER_REFUSED = "transfer_refused", _("Transfer refused")
        TRANSFERRED = "transferred", _("Transferred to another department")
        ASSIST_ADDED = "assist_added", _("Assisting department added")
        ASSIST_REMOVED = "assist_removed", _("Assisting department removed")
        ASSIGNED = "assigned", _("Assigned to an officer")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("report")
    )
    kind = models.CharField(_("what happened"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    from_status = models.CharField(_("from status"), max_length=12, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, blank=True)
    # A system note is its kind and params (governance/messages.py), rendered in the reader's
    # language; `note` holds only what a person typed (a reply, a reason, a comment).
    note_kind = models.CharField(_("system note"), max_length=60, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("note"), blank=True)
    # Shown to the rider on their report page (the department's reply, comments, status).
    public = models.BooleanField(_("visible to the rider"), default=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline")
        ordering = ["report", "created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"], name="report_event_idx")]

    def __str__(self) -> str:
        return f"{self.report} {self.get_kind_display()}"

    @property
    def text(self) -> str:
        """The note as the reader reads it: the system note in the active language, then what
        a person typed."""
        system = render_title(self.note_kind, self.params) if self.note_kind else ""
        return ": ".join(part for part in (system, self.note) if part)

    @property
    def reporter_text(self) -> str:
        """The note as the reporter reads it on their report: another rider's check is its
        outcome only (e.g. "Not fixed · Dissatisfied"); that rider's own words go to the
        department and the centre, not to the reporter (docs/decisions.md)."""
        if self.kind == self.Kind.ANSWERED:
            return render_title(self.note_kind, self.params) if self.note_kind else ""
        return self.text

    @property
    def public_text(self) -> str:
        """The note for the public (Open311): a rider's own words about a fix stay inside the
        portal and the department's view; the system note (e.g. "Not fixed · Dissatisfied")
        is shown."""
        if self.note_kind == "governance.check_answered":
            return render_title(self.note_kind, self.params)
        # A question to the rider and the rider's answer: that they happened, not the words.
        if self.kind == self.Kind.ASKED:
            return render_title("governance.question_asked_public")
        if self.kind == self.Kind.RIDER_ANSWERED:
            return render_title("governance.question_answered_public")
        return self.text


class ReportSupporter(models.Model):
    """A rider who saw the same problem and joined this report instead of filing another.

    Supporters follow the report: they see it in My reports and get its status changes.
    """

    city_lookup = "report__district__city"

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="supporters", verbose_name=_("report")
    )
    rider = models.ForeignKey(
        "riders.Rider",
        on_delete=models.CASCADE,
        related_name="supported_reports",
        verbose_name=_("rider"),
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.UniqueConstraint(fields=["report", "rider"], name="report_supporter_once"),
        ]
        indexes = [models.Index(fields=["rider", "-created_at"], name="report_supporter_rider_idx")]

    def __str__(self) -> str:
        return f"{self.rider_id} → {self.report}"


def answer_photo_path(answer: "FixAnswer", filename: str) -> str:
    return _random_jpeg_path("answers", answer)


def answer_thumbnail_path(answer: "FixAnswer", filename: str) -> str:
    return _random_jpeg_path("answers", answer, "-thumb")


class FixAnswer(RedactedPhoto):
    """A rider's answer to "is it fixed?" after a department resolved the report (issue 14).

    One per rider and round (a round is one resolution: `round` is the report's reopen count
    then). The reporter's answer decides; riders who joined are asked too and their answers
    count in the department's satisfaction figures. A check not answered in time is recorded
    as accepted `by_default` (默认满意), never as a real answer.
    """

    city_lookup = "report__district__city"
    FOLDER = "answers"
    ORIGINAL = "photo"

    class Outcome(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        PARTLY = "partly", _("Partly fixed")
        NOT_FIXED = "not_fixed", _("Not fixed")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="answers", verbose_name=_("report")
    )
    rider = models.ForeignKey(
        "riders.Rider", on_delete=models.CASCADE, related_name="+", verbose_name=_("rider")
    )
    round = models.PositiveSmallIntegerField(_("round"))
    outcome = models.CharField(_("is it fixed?"), max_length=10, choices=Outcome.choices)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to=answer_photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=answer_thumbnail_path, blank=True)
    by_default = models.BooleanField(_("accepted by default (no answer)"), default=False)
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rider's check of a fix")
        verbose_name_plural = _("riders' checks of fixes")
        ordering = ["report", "round", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rider", "round"], name="fix_answer_once_per_round"
            ),
            models.CheckConstraint(
                condition=Q(by_default=False)
                | Q(outcome="fixed", satisfaction="satisfied", comment="", photo=""),
                name="fix_answer_default_is_plain_yes",
            ),
            models.CheckConstraint(
                condition=Q(redacted_at__isnull=True) | ~Q(redacted=""),
                name="fix_answer_redacted_with_copy",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="fix_answer_time_idx")]

    def __str__(self) -> str:
        return f"{self.report} #{self.round} {self.outcome}"

    @property
    def reopens(self) -> bool:
        """Not fixed, or dissatisfied with a photo to show it: the report goes back."""
        return self.outcome == self.Outcome.NOT_FIXED or (
            self.satisfaction == self.Satisfaction.DISSATISFIED and bool(self.photo)
        )


# A placeholder is a plain name: no attribute or index access, no format spec, no `{}`.
PLACEHOLDER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def template_placeholders(body: str) -> list[str]:
    """The `{name}` placeholders of a response template, in order, each once (`{{`/`}}` are
    literal braces). ValueError for anything but a plain name, so a template can never reach
    into an object the way `str.format` would let `{0.__class__}` do."""
    names: list[str] = []
    for _literal, name, spec, conversion in string.Formatter().parse(body):
        if name is None:
            continue
        if spec or conversion or not PLACEHOLDER_NAME.match(name):
            raise ValueError(name)
        if name not in names:
            names.append(name)
    return names


class ResponseTemplateQuerySet(models.QuerySet):
    def usable_by(self, department: Department, *, category: Category | None = None):
        """Active templates of the department or of every department; with a category, those
        for it or for any category. The same rule as ResponseTemplate.is_usable_by."""
        rows = self.filter(is_active=True).filter(
            Q(department=department) | Q(department__isnull=True)
        )
        if category is not None:
            rows = rows.filter(Q(category=category) | Q(category__isnull=True))
        return rows


class ResponseTemplate(models.Model):
    """A reply a department sends often, with `{name}` placeholders it fills in when resolving
    (issue 14): "已于{time}清理完毕，现场已恢复通畅。". No department: every department may use it;
    no category: it fits any category."""

    # A template for every department is national: only national admins see it in the admin.
    city_lookup = "department__city"

    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        verbose_name=_("department"),
        help_text=_("Leave empty for a template every department may use."),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        verbose_name=_("category"),
        help_text=_("Leave empty for a template that fits any category."),
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(
        _("text"),
        max_length=2000,
        help_text=_(
            "What the rider reads. Placeholders in braces, e.g. {time} or {place}, are filled "
            "in when the template is used; write {{ and }} for a brace itself."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = ResponseTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title="") & ~Q(body=""), name="response_template_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        try:
            template_placeholders(self.body)
        except ValueError:
            raise ValidationError(
                {
                    "body": _(
                        "Placeholders are plain names in braces, like {time} or {place}: "
                        "letters, digits and _ only, no {} without a name, no dots or "
                        "brackets. Write {{ and }} for a brace itself."
                    )
                }
            ) from None

    @property
    def placeholders(self) -> list[str]:
        return template_placeholders(self.body)

    def is_usable_by(self, department: Department, category: Category) -> bool:
        return (
            self.is_active
            and self.department_id in (None, department.pk)
            and self.category_id in (None, category.pk)
        )


# --- Working the report (issue 14): questions to the rider, transfers, joint handling ---------


def question_photo_path(question: "ReportQuestion", filename: str) -> str:
    return _random_jpeg_path("questions", question)


def question_thumbnail_path(question: "ReportQuestion", filename: str) -> str:
    return _random_jpeg_path("questions", question, "-thumb")


QUESTIONS_PER_REPORT = 2


class ReportQuestion(RedactedPhoto):
    """A department's question to the reporter ("which entrance?"). While it is open the report
    waits (status `waiting`) and its closure clock is paused; the rider's answer, or the
    timeout `answer_by`, resumes it. At most QUESTIONS_PER_REPORT per report; the department
    never learns who answers."""

    city_lookup = "report__district__city"
    FOLDER = "questions"
    ORIGINAL = "photo"

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="questions", verbose_name=_("report")
    )
    position = models.PositiveSmallIntegerField(_("number"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    text = models.CharField(_("question"), max_length=500)
    asked_at = models.DateTimeField(_("asked at"))
    answer_by = models.DateTimeField(_("answer expected by"))
    answer = models.CharField(_("answer"), max_length=1000, blank=True)
    photo = models.ImageField(_("photo"), upload_to=question_photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=question_thumbnail_path, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # No answer by `answer_by`, or the report left `waiting` another way (resolved, re-routed):
    # the question is closed unanswered.
    closed_at = models.DateTimeField(_("closed unanswered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question to the rider")
        verbose_name_plural = _("questions to the rider")
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="report_question_position"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=QUESTIONS_PER_REPORT),
                name="report_question_at_most_two",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="report_question_not_empty"),
            models.CheckConstraint(
                condition=Q(redacted_at__isnull=True) | ~Q(redacted=""),
                name="report_question_redacted_with_copy",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(closed_at__isnull=True),
                name="report_question_answered_or_closed",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                name="report_question_answer_has_text",
            ),
            # One open question at a time.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(answered_at__isnull=True, closed_at__isnull=True),
                name="report_question_one_open",
            ),
        ]
        indexes = [
            # The timeout sweep: open questions by when they expire.
            models.Index(
                fields=["answer_by"],
                name="report_question_open_idx",
                condition=Q(answered_at__isnull=True, closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} ?{self.position}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.closed_at is None


class TransferRule(models.Model):
    """A known hand-over (转办) the dispatcher need not look at: a request from `from_department`
    to `to_department` is approved at once."""

    city_lookup = "from_department__city"

    from_department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name=_("from department")
    )
    to_department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name=_("to department")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("automatic transfer rule")
        verbose_name_plural = _("automatic transfer rules")
        ordering = ["from_department", "to_department"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_department", "to_department"], name="transfer_rule_unique_pair"
            ),
            models.CheckConstraint(
                condition=~Q(from_department=models.F("to_department")),
                name="transfer_rule_not_to_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_department} → {self.to_department}"


class TransferRequest(models.Model):
    """A department that is not responsible asks to hand a report to another one (转办); the
    dispatcher approves or refuses it by `decide_by`, or a TransferRule approves it at once."""

    city_lookup = "report__district__city"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the dispatcher")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("report")
    )
    from_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("from department")
    )
    to_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("to department")
    )
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    decide_by = models.DateTimeField(_("decision due by"))
    # Approved by a TransferRule, not by a person.
    by_rule = models.BooleanField(_("approved by a rule"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("dispatcher's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_department=models.F("to_department")),
                name="transfer_not_to_itself",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "refused"]),
                name="transfer_status_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="transfer_has_reason"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="transfer_decided_has_time",
            ),
            models.CheckConstraint(
                condition=Q(by_rule=False) | Q(status="approved"), name="transfer_rule_approves"
            ),
            # One request waiting per report.
            models.UniqueConstraint(
                fields=["report"], condition=Q(status="pending"), name="transfer_one_pending"
            ),
        ]
        indexes = [
            models.Index(
                fields=["decide_by"], name="transfer_pending_idx", condition=Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.from_department} → {self.to_department}"


class ReportAssist(models.Model):
    """An assisting department of a report (联办): it sees the report in its API list and
    workbench, comments and attaches evidence; only the lead department (`Report.department`)
    acknowledges, asks, resolves or rejects."""

    city_lookup = "report__district__city"

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="assists", verbose_name=_("report")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assists", verbose_name=_("department")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assisting department")
        verbose_name_plural = _("assisting departments")
        ordering = ["report", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "department"], name="report_assist_once_per_department"
            ),
        ]
        indexes = [models.Index(fields=["department", "report"], name="report_assist_dept_idx")]

    def __str__(self) -> str:
        return f"{self.report} + {self.department}"
