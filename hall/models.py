"""The screens in the centre's hall: each one a display with its own secret token in the URL."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy import CityFilledIn


def new_display_token() -> str:
    # 192 bits: not guessable; URL-safe, so it sits in the path as it is.
    return secrets.token_urlsafe(24)


class HallDisplay(CityFilledIn, models.Model):
    """A screen allowed to show /hall/<token>/, with its city's figures only (issue 19).
    Revoked (inactive), its URL is a 404."""

    city_lookup = "city"

    label = models.CharField(
        _("label"), max_length=100, help_text=_("Where the screen is, e.g. “Hall, left wall”.")
    )
    city = models.ForeignKey(
        "core.City",
        on_delete=models.CASCADE,
        related_name="hall_displays",
        verbose_name=_("city"),
        blank=True,
        help_text=_("The city whose figures the screen shows."),
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=new_display_token, editable=False
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("", _("The browser's language")), *settings.LANGUAGES],
        help_text=_("The screen's language; empty: the browser's."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to revoke: the screen's URL stops working.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hall display")
        verbose_name_plural = _("hall displays")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    city_required_message = _("Choose the city whose figures the screen shows.")
