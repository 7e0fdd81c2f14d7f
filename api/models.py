"""API tokens for department officers and Open311 integrations, and idempotent writes."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.tenancy import CityFilledIn


def token_digest(key: str) -> str:
    # Keys are 40 random characters (≥ 200 bits): a fast hash is enough, unlike passwords.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(CityFilledIn, models.Model):
    """A secret shown once. Officer tokens belong to a department and see only its reports;
    integration keys (Open311 `api_key`) may file reports on behalf of riders, in their city
    only (issue 19)."""

    city_lookup = "city"

    class Kind(models.TextChoices):
        OFFICER = "officer", _("Department officer")
        INTEGRATION = "integration", _("Integration (Open311 api_key)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "governance.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("department"),
    )
    # An officer token's city is its department's (filled on save); an integration key's is
    # the one city it files reports in.
    city = models.ForeignKey(
        "core.City",
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("city"),
        blank=True,
        help_text=_("An officer token's city is its department's."),
    )
    label = models.CharField(_("label"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="officer") & Q(department__isnull=False))
                | (Q(kind="integration") & Q(department__isnull=True)),
                name="api_token_officer_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    city_required_message = _("Choose the city this key files reports in.")


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an Idempotency-Key, replayed for retries of the
    same request (same fingerprint) until it is purged (IDEMPOTENCY_KEY_TTL_HOURS)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    # SHA-256 of method, path and the parsed body (api.views.request_fingerprint); empty for
    # records written before fingerprints, which are compared by method and path only.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_once_per_token"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
