"""The second sign-in step for staff: enter a TOTP code, or set up the authenticator app first.

Who: a staff member signed in with their password (StaffTwoFactorMiddleware sends them here).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import staff_auth


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("6-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the 6 digits your app shows.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "maxlength": "7",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


def _admin_context(request, **extra) -> dict:
    # admin.site.each_context() would build the app list (many queries); the page needs only the
    # header and titles.
    return {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "site_url": "/",
        "has_permission": False,
        **extra,
    }


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _next_url(request) -> str:
    return staff_auth.safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _code_step(request, *, check, next_url: str, template: str, **context):
    """Both steps: a form for the app's current code, `check(token)` raising TwoFactorRefused
    to refuse it; a code accepted goes on to `next_url`."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check(form.cleaned_data["token"])
        except staff_auth.TwoFactorRefused as refused:
            form.add_error("token", refused.message)
        else:
            return redirect(next_url)
    return render(
        request,
        template,
        _admin_context(request, form=form, next=next_url, **context),
        status=200 if not form.errors else 400,
    )


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """A staff member with an authenticator app: enter its current code."""
    next_url = _next_url(request)
    if staff_auth.session_verified(request):
        return redirect(next_url)
    device = staff_auth.two_factor_device(user=request.user)
    if device is None:
        return redirect(_with_next("core:staff_two_factor_set_up", next_url))
    return _code_step(
        request,
        check=lambda token: staff_auth.two_factor_verify(
            request=request, device=device, token=token
        ),
        next_url=next_url,
        template="admin/two_factor_verify.html",
        title=_("Two-factor sign-in"),
    )


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def two_factor_set_up(request):
    """A staff member without an authenticator app: scan the QR code, confirm with a code.

    With STAFF_2FA_SELF_ENROL off, a centre admin creates the device in the admin instead
    (Django OTP → TOTP devices shows its QR code) and this page says so.
    """
    next_url = _next_url(request)
    if staff_auth.two_factor_device(user=request.user) is not None:
        return redirect(_with_next("core:staff_two_factor", next_url))
    if not settings.STAFF_2FA_SELF_ENROL:
        return render(
            request,
            "admin/two_factor_ask_admin.html",
            _admin_context(request, title=_("Two-factor sign-in needed")),
            status=403,
        )
    device = staff_auth.two_factor_enrol_start(user=request.user)
    return _code_step(
        request,
        check=lambda token: staff_auth.two_factor_enrol_confirm(
            request=request, device=device, token=token
        ),
        next_url=next_url,
        template="admin/two_factor_set_up.html",
        title=_("Set up two-factor sign-in"),
        qr_svg=staff_auth.qr_code_svg(device.config_url),
        secret=staff_auth.base32_secret(device),
    )
