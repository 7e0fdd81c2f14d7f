from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import City, District

from .phones import EncryptedPhoneField, phone_digest, phone_digests
from .sms_templates import KIND_CHOICES

PHONE_PATTERN = r"^1[3-9]\d{9}$"
phone_validator = RegexValidator(
    PHONE_PATTERN, _("Enter an 11-digit mainland China mobile number, e.g. 13812345678.")
)
rider_number_validator = RegexValidator(
    r"^[A-Za-z0-9-]{1,32}$", _("A rider number has 1–32 letters, digits or hyphens.")
)


class Tier(models.TextChoices):
    REGULAR = "regular", _("Regular rider")
    HONOUR = "honour", _("Honour rider")
    CAPTAIN = "captain", _("Team captain")


# When a rider held several tiers in one month, the highest counts (see docs/decisions.md).
# Keyed by the stored value too: a tier read from the database is a plain str.
TIER_RANK: dict[str, int] = {Tier.REGULAR: 0, Tier.HONOUR: 1, Tier.CAPTAIN: 2}


def mask_phone(phone: str) -> str:
    """138****1234: enough for a rider to recognise their number, not enough to call it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


class RiderQuerySet(models.QuerySet["Rider"]):
    def with_phone(self, phone: str) -> "RiderQuerySet":
        """The rider with this phone number: one indexed look-up by its keyed hash (the stored
        number is encrypted, riders/phones.py)."""
        return self.filter(phone_hash__in=phone_digests(phone))

    def bulk_create(self, objs, *args, **kwargs):
        """As save() does, each rider's look-up hash from their number: every bulk writer
        (roster import, benchmarks, demo) gets it without having to know."""
        objs = list(objs)
        for rider in objs:
            rider.phone_hash_fill()
        return super().bulk_create(objs, *args, **kwargs)


class Rider(models.Model):
    # A rider belongs to one city at a time, through their district (core/tenancy.py); moving
    # to another city is riders/services.py rider_move_city, recorded as a CityMove.
    city_lookup = "district__city"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="rider",
        verbose_name=_("user account"),
    )
    rider_number = models.CharField(
        _("rider number"),
        max_length=32,
        unique=True,
        validators=[rider_number_validator],
        help_text=_("The delivery platform's rider number."),
    )
    name = models.CharField(_("name"), max_length=50)
    # Encrypted at rest (Fernet, PHONE_ENCRYPTION_KEYS); found by `phone_hash` (riders/phones.py).
    # Empty only once the rider's account is closed and the number erased.
    phone = EncryptedPhoneField(
        _("mobile phone"), max_length=11, null=True, validators=[phone_validator]
    )
    phone_hash = models.CharField(
        _("phone look-up hash"), max_length=64, unique=True, null=True, editable=False
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="riders", verbose_name=_("district")
    )
    station = models.CharField(_("delivery station"), max_length=100, blank=True)
    # Optional; only rooms reserved for men or for women look at it (apartments).
    gender = models.CharField(
        _("gender"),
        max_length=6,
        blank=True,
        default="",
        choices=[("", _("Not given")), ("male", _("Male")), ("female", _("Female"))],
    )
    joined_on = models.DateField(_("join date"))
    is_active = models.BooleanField(_("active"), default=True)
    # The current tier; TierPeriod keeps the history. Changed only by services.rider_set_tier,
    # which writes both in one transaction.
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.REGULAR)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RiderQuerySet.as_manager()

    class Meta:
        verbose_name = _("rider")
        verbose_name_plural = _("riders")
        ordering = ["rider_number"]
        indexes = [
            models.Index(fields=["district", "tier"], name="rider_district_tier_idx"),
            models.Index(fields=["is_active"], name="rider_active_idx"),
            models.Index(fields=["name"], name="rider_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="rider_tier_valid"),
            # An active rider can be sent a code: they have a number (closure erases it).
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(phone_hash__isnull=False),
                name="rider_active_has_phone",
            ),
            models.CheckConstraint(condition=~Q(rider_number=""), name="rider_number_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rider_number})"

    def save(self, *args, **kwargs) -> None:
        self.phone_hash_fill()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_hash"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.phone:
            taken = Rider.objects.with_phone(self.phone).exclude(pk=self.pk).exists()
            if taken:
                raise ValidationError(
                    {"phone": _("This mobile number is already another rider's.")}
                )

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    def phone_hash_fill(self) -> None:
        """Set the look-up hash from the number; every writer of `phone` calls it (save does;
        bulk_create and bulk_update callers do it themselves)."""
        self.phone_hash = phone_digest(self.phone) if self.phone else None


class TierPeriod(models.Model):
    """A date range in which a rider held a tier; ended_on is empty for the current one."""

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        Rider, on_delete=models.CASCADE, related_name="tier_periods", verbose_name=_("rider")
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("tier period")
        verbose_name_plural = _("tier history")
        ordering = ["rider", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["rider"],
                condition=Q(ended_on__isnull=True),
                name="tier_period_one_current_per_rider",
            ),
            models.UniqueConstraint(
                fields=["rider", "started_on"], name="tier_period_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="tier_period_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="tier_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.started_on}–{self.ended_on or ''}"


class SignInCode(models.Model):
    """A one-time sign-in code sent by SMS. Only an HMAC of the code is stored.

    Codes are issued for any well-formed phone number, known or not, so the response and the
    throttle behave the same for everyone; only active riders are actually sent an SMS.

    Nor is the number kept: a code is found by the phone's keyed hash (riders/phones.py), and
    support reads the masked number.
    """

    phone_hash = models.CharField(_("phone look-up hash"), max_length=64)
    phone_masked = models.CharField(_("mobile phone"), max_length=11)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # The phone's latest code, the only one that can sign in. At most one per phone
    # (sign_in_code_one_current_per_phone): of simultaneous requests for a phone, one inserts
    # its code and the others fail on the index, so one SMS goes out, not one per request.
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [
            models.Index(fields=["phone_hash", "-created_at"], name="sign_in_code_phone_idx"),
            models.Index(fields=["expires_at"], name="sign_in_code_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="sign_in_code_expires_after_creation",
            ),
            models.UniqueConstraint(
                fields=["phone_hash"],
                condition=Q(is_current=True),
                name="sign_in_code_one_current_per_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone_masked} @ {self.created_at:%Y-%m-%d %H:%M}"

    def is_live(self, now) -> bool:
        """Can still sign in: current, unused, unexpired, not locked by wrong tries."""
        return (
            self.is_current
            and self.used_at is None
            and self.expires_at > now
            and self.failed_attempts < settings.SIGN_IN_CODE_MAX_ATTEMPTS
        )


class CounterScope(models.TextChoices):
    CODES_IP_HOUR = "codes_ip_hour", _("codes per client per hour")
    CODES_IP_DAY = "codes_ip_day", _("codes per client per day")
    CODES_NETWORK_HOUR = "codes_net_hour", _("codes per network per hour")
    CODES_NETWORK_DAY = "codes_net_day", _("codes per network per day")
    GUESSES_IP_HOUR = "guesses_ip_hour", _("code tries per client per hour")
    GUESSES_NETWORK_HOUR = "guesses_net_hour", _("code tries per network per hour")
    SMS_HOUR = "sms_hour", _("SMS sent per hour (whole site)")
    # Notifications (riders/notify.py) have a budget of their own beside the sign-in one.
    NOTIFY_RIDER_DAY = "notify_rider_day", _("notification SMS per rider per day")
    NOTIFY_SITE_HOUR = "notify_site_hour", _("notification SMS per hour (whole site)")


class LimitCounter(models.Model):
    """How many events of a limit one key had in a time window: sign-in codes and tries per
    client or network, SMS per hour for the site, notification SMS per rider per day.

    The database, not the cache, holds these counts: a conditional UPDATE (`count < limit`)
    makes each limit exact under concurrency, and the limits keep holding when Redis is down.
    Sign-in windows are fixed (an hour or a day, aligned to UTC), so two adjacent windows can
    let through up to twice a limit in the minutes around the boundary; docs/security.md counts
    with that. A notification's window is the one its SMS is planned to go out in (after the
    quiet hours: possibly tomorrow's).
    """

    scope = models.CharField(_("limit"), max_length=20, choices=CounterScope.choices)
    # A client address, a network ("203.0.113.0/24", "2001:db8::/64"), a rider's id, or ""
    # for the site.
    key = models.CharField(_("client, network or rider"), max_length=64, blank=True)
    window_start = models.DateTimeField(_("window start"))
    count = models.PositiveIntegerField(_("count"), default=0)
    # Set once when the SMS budget of this window ran out and centre admins were alerted.
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("limit counter")
        verbose_name_plural = _("limit counters")
        indexes = [models.Index(fields=["window_start"], name="sign_in_counter_window_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="sign_in_counter_one_per_window"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=CounterScope.values), name="sign_in_counter_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class SMSStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent (accepted by the gateway)")
    DELIVERED = "delivered", _("Delivered to the phone")
    UNDELIVERED = "undelivered", _("Not delivered (gateway receipt)")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired before it could be sent")


class SMSLog(models.Model):
    """One SMS: the outbox row the worker sends from, then the log of what became of it.

    Never the code nor the text: the log keeps the kind, the masked number, the gateway's
    message id and the outcome. While the row is queued, `payload` holds what the worker needs
    to send it (the full number and the params) encrypted with a key derived from SECRET_KEY;
    it is emptied the moment the row leaves `queued` (riders/sms_outbox.py).
    """

    city_lookup = "city"

    kind = models.CharField(_("kind"), max_length=32, choices=KIND_CHOICES)
    # Whose sign name the message carries (City.sign_name); empty for messages to staff, which
    # carry the deployment's (settings.SMS_SIGN_NAME).
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("city"),
    )
    phone_masked = models.CharField(_("mobile phone"), max_length=11)
    gateway = models.CharField(_("gateway"), max_length=16)
    message_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SMSStatus.choices, default=SMSStatus.QUEUED
    )
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    language = models.CharField(_("language"), max_length=10, blank=True)
    payload = models.TextField(blank=True, editable=False)
    # A sign-in code SMS is worth sending only while its code can still sign in.
    sign_in_code = models.ForeignKey(
        SignInCode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sign-in code"),
    )
    # What the message is about ("apartments.application:12"), so the matter's end withdraws a
    # message still held (an offer answered in the night: no offer SMS at 07:00).
    subject = models.CharField(_("about"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    # After this the message is no use (a code expired, an offer's deadline is near): expired.
    expires_at = models.DateTimeField(_("expires at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # The lease of the worker sending it now; a dead worker's lease runs out.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the gateway reported delivery (or not), or when the row failed or expired.
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS log")
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the sweep reads every minute: only queued rows, by when they are due.
            models.Index(
                fields=["next_attempt_at"], name="sms_log_due_idx", condition=Q(status="queued")
            ),
            # A matter's end finds its held messages.
            models.Index(
                fields=["subject"], name="sms_log_held_subject_idx", condition=Q(status="queued")
            ),
            # Receipts find their row by the gateway's id.
            models.Index(fields=["gateway", "message_id"], name="sms_log_message_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SMSStatus.values), name="sms_log_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="queued") | Q(payload=""), name="sms_log_payload_only_queued"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.phone_masked} ({self.status})"


# --- Notifications by SMS (riders/notify.py, docs/notifications.md) --------------------------

# The kinds of SMS riders/notify.py may send a rider, each of which the rider may turn off in
# Me → SMS messages (the inbox gets every message regardless). Sign-in codes are not here:
# they are asked for, not sent.
RIDER_SMS_KINDS = (
    "bed_offer",
    "offer_expiring",
    "report_question",
    "report_reopened",
    "subsidy_decision",
    "policy_notice",
)


class SMSOptOut(models.Model):
    """A kind of message the rider wants in the inbox only, not by SMS.

    No row means by SMS: the default is on, since only what a rider cannot miss is sent by SMS
    at all. A row per kind (not a column per kind) so a new kind needs no migration of every
    rider's preferences and a batch of 41,000 riders finds its opt-outs with one indexed query.
    """

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        Rider, on_delete=models.CASCADE, related_name="sms_opt_outs", verbose_name=_("rider")
    )
    kind = models.CharField(
        _("kind"),
        max_length=32,
        choices=[(name, label) for name, label in KIND_CHOICES if name in RIDER_SMS_KINDS],
    )
    created_at = models.DateTimeField(_("turned off at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS turned off")
        verbose_name_plural = _("SMS turned off by riders")
        ordering = ["rider", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["rider", "kind"], name="sms_opt_out_once_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=RIDER_SMS_KINDS), name="sms_opt_out_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id}: {self.kind}"


class CityMove(models.Model):
    """A rider moved to a district of another city (riders/services.py rider_move_city).

    What the rider did before stays with the city it was done in (reports through their
    district, orders through their canteen, claims through Claim.city); this row says when and
    why the rider's own city changed, and who did it. Listed on the rider's admin page.
    """

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        Rider, on_delete=models.CASCADE, related_name="city_moves", verbose_name=_("rider")
    )
    from_district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", verbose_name=_("from district")
    )
    to_district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", verbose_name=_("to district")
    )
    moved_at = models.DateTimeField(_("moved at"), default=timezone.now)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("moved by"),
    )
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("move to another city")
        verbose_name_plural = _("moves to another city")
        ordering = ["rider", "-moved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_district=models.F("to_district")),
                name="city_move_changes_district",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="city_move_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id}: {self.from_district_id} → {self.to_district_id}"


# --- A rider's sign-in history (issue 20, mydata's export, docs/mydata.md) --------------------


class SignInChannel(models.TextChoices):
    SMS = "sms", _("SMS code")
    PLATFORM = "platform", _("Delivery platform")


class SignInRecord(models.Model):
    """One successful sign-in of a rider: when, how, from where (riders/services.py
    sign_in_record). The rider sees them in their export; the retention task (privacy) clears
    the address after its period, account closure deletes the rows."""

    city_lookup = "rider__district__city"

    rider = models.ForeignKey(
        Rider, on_delete=models.CASCADE, related_name="sign_ins", verbose_name=_("rider")
    )
    at = models.DateTimeField(_("signed in at"), default=timezone.now)
    channel = models.CharField(_("how"), max_length=10, choices=SignInChannel.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Truncated: enough to tell a phone from a computer, not a fingerprint of the device.
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-in history")
        ordering = ["rider", "-at", "-id"]
        indexes = [
            models.Index(fields=["rider", "-at"], name="sign_in_record_rider_idx"),
            models.Index(fields=["at"], name="sign_in_record_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=SignInChannel.values), name="sign_in_record_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rider_id} @ {self.at:%Y-%m-%d %H:%M} ({self.channel})"
