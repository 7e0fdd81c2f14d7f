"""Staff sign-in: who needs a second factor, the TOTP steps, working-day sessions, lockouts.

Staff sign in to the admin with a username and password. django-axes counts the failures per
username *and* client address (a lockout per username alone would let anyone lock every staff
member out); django-otp holds the TOTP devices. After the password, staff whose role requires
two-factor (centre admins, superusers, subsidy reviewers, dispatchers) — or who enrolled a device
of their own accord — reach nothing until they enter a code from their authenticator app
(StaffTwoFactorMiddleware). A staff session ends a working day after the password step, however
active it was; riders keep their long sessions (SESSION_COOKIE_AGE). See docs/security.md,
"Staff sign-in".
"""

import datetime as dt
import time
from io import BytesIO

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import network
from .roles import CENTRE_ADMIN, DISPATCHER, NATIONAL_ADMIN, SUBSIDY_REVIEWER

# Roles whose mistakes move money or rider data at scale: a password alone is not enough.
ROLES_REQUIRING_TWO_FACTOR = (NATIONAL_ADMIN, CENTRE_ADMIN, SUBSIDY_REVIEWER, DISPATCHER)
# When the password step happened (Unix seconds): the working day is counted from here.
SESSION_STAFF_SIGNED_IN_AT = "staff_signed_in_at"
# When this session's device was last found still confirmed (Unix seconds).
SESSION_DEVICE_CHECKED_AT = "staff_otp_checked_at"
# A verified session re-reads its device this often, so a device a centre admin deletes stops
# working within 5 minutes; in between a staff page costs no query for the second factor
# (django_otp's OTPMiddleware reads the device on every request, over the admin's query budget).
DEVICE_RECHECK_SECONDS = 300
DEVICE_NAME = "Authenticator app"


class TwoFactorRefused(Exception):
    """A TOTP code was not accepted; `message` is translated for the staff member."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Who ----------------------------------------------------------------------------------
def is_staff_account(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def two_factor_required(user) -> bool:
    """Superusers, the roles above, and anyone who confirmed a device (they opted in)."""
    if not is_staff_account(user):
        return False
    if user.is_superuser:
        return True
    # One query for both reasons, on every staff request that is not yet verified.
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Q(groups__name__in=ROLES_REQUIRING_TWO_FACTOR) | Q(totpdevice__confirmed=True))
        .exists()
    )


def two_factor_device(*, user) -> TOTPDevice | None:
    """The staff member's confirmed authenticator, if they have one."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def mark_verified(session, device: Device) -> None:
    """Record in the session that its user just passed the second step with `device` (an
    authenticator, or a workbench officer's SMS device).

    The same session key as django_otp.login(), so the library's tools read it too.
    """
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_DEVICE_CHECKED_AT] = int(time.time())


def session_verified(request) -> bool:
    """Whether this session passed the TOTP step with a device its user still has."""
    session = request.session
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    checked_at = session.get(SESSION_DEVICE_CHECKED_AT)
    if isinstance(checked_at, int) and 0 <= time.time() - checked_at < DEVICE_RECHECK_SECONDS:
        return True
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session.pop(SESSION_DEVICE_CHECKED_AT, None)
        return False
    session[SESSION_DEVICE_CHECKED_AT] = int(time.time())
    return True


# --- Services -----------------------------------------------------------------------------
def _token_refusal(device: TOTPDevice, token: str) -> str | None:
    """Why `token` is refused on `device` (a locked row), or None when it is good.

    Returned, not raised: the failure count django-otp just wrote must be committed, not
    rolled back with the transaction.
    """
    allowed, details = device.verify_is_allowed()
    if not allowed:
        # django-otp's throttle: each failure doubles the wait (OTP_TOTP_THROTTLE_FACTOR s).
        locked_until = (details or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 0
        return _("Too many wrong codes. Wait %(seconds)s seconds, then enter the current code.") % {
            "seconds": max(1, int(wait) + 1)
        }
    if not device.verify_token(token):
        return _("That code is wrong or was already used. Enter the current code from your app.")
    return None


def two_factor_verify(*, request, device: TOTPDevice, token: str) -> None:
    """Check `token` on the staff member's own device and mark this session verified.

    The device row is locked so two tabs cannot both spend one code; django-otp refuses a code
    at or before the last accepted time step (no reuse) and slows down repeated failures.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user)
        refusal = _token_refusal(locked, token)
    if refusal:
        raise TwoFactorRefused(refusal)
    mark_verified(request.session, locked)


def two_factor_enrol_start(*, user) -> TOTPDevice:
    """The unconfirmed device a staff member is setting up (the same one on every reload)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def two_factor_enrol_confirm(*, request, device: TOTPDevice, token: str) -> None:
    """A first correct code proves the app holds the key: confirm the device, verify the session."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(
            pk=device.pk, user=request.user, confirmed=False
        )
        refusal = _token_refusal(locked, token)
        if refusal is None:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
    if refusal:
        raise TwoFactorRefused(refusal)
    mark_verified(request.session, locked)


def qr_code_svg(data: str) -> SafeString:
    """An inline SVG QR code (no style attributes, so the CSP needs nothing extra)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration: it is not valid inside HTML
    return mark_safe(svg)  # noqa: S308 - markup generated here from our own otpauth URL


def base32_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps accept it when typed, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


# --- Working-day sessions -----------------------------------------------------------------
@receiver(user_logged_in, dispatch_uid="core.staff_session_start")
def staff_session_start(sender, request, user, **kwargs) -> None:
    """A staff session ends STAFF_SESSION_SECONDS after the password, active or not.

    An absolute end (not an idle timeout): a day's work, then the password and code again.
    Riders sign in through riders.views with the same login(); they keep SESSION_COOKIE_AGE.
    """
    if request is None or not getattr(request, "session", None) or not is_staff_account(user):
        return
    request.session[SESSION_STAFF_SIGNED_IN_AT] = int(time.time())
    request.session.set_expiry(
        timezone.now() + dt.timedelta(seconds=settings.STAFF_SESSION_SECONDS)
    )


def _working_day_over(request) -> bool:
    signed_in_at = request.session.get(SESSION_STAFF_SIGNED_IN_AT)
    # No mark: a session from before this rule (30 days long) or one that became staff later.
    if not isinstance(signed_in_at, int):
        return True
    return time.time() - signed_in_at > settings.STAFF_SESSION_SECONDS


# --- The gate -----------------------------------------------------------------------------
class StaffTwoFactorMiddleware:
    """Staff who need a second factor reach only the code pages until they enter one.

    After AuthenticationMiddleware. Riders and anonymous visitors pass without a query; a
    verified staff member costs a device lookup every DEVICE_RECHECK_SECONDS; an unverified
    one the one query of two_factor_required().
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        # Resolved lazily: the URLconf is not importable while middleware is built.
        if self._open_paths is None:
            self._open_paths = (
                reverse("core:staff_two_factor"),
                reverse("core:staff_two_factor_set_up"),
                reverse("admin:login"),
                reverse("admin:logout"),
                reverse("riders:sign_out"),
                reverse("core:language"),
                reverse("core:healthz"),
                settings.STATIC_URL,
            )
        return self._open_paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and is_staff_account(user):
            if _working_day_over(request):
                logout(request)
                return redirect_to_admin_login(request)
            if (
                not request.path.startswith(self.open_paths())
                and not session_verified(request)
                and two_factor_required(user)
            ):
                return redirect(
                    f"{reverse('core:staff_two_factor')}?"
                    f"{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)


def redirect_to_admin_login(request):
    return redirect(f"{reverse('admin:login')}?{urlencode({'next': request.get_full_path()})}")


# --- Lockout (django-axes) ----------------------------------------------------------------
class StaffLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Only a sign-in over the web carries a request, and only that can be brute-forced; a call
    without one (the test client's login(), the shell) is not a web sign-in, so it is not
    counted rather than refused with an error.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the translated lockout page (429), in the admin's look."""
    from django.contrib import admin

    minutes = settings.STAFF_SIGN_IN_LOCKOUT_MINUTES
    return render(
        request,
        "admin/staff_locked_out.html",
        {
            "title": _("Sign-in locked"),
            "site_header": admin.site.site_header,
            "site_title": admin.site.site_title,
            "minutes": minutes,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address past the trusted proxies (core.network).

    Behind a reverse proxy REMOTE_ADDR is the proxy, so every staff member would share one
    address and the username+address lockout would become a per-username one.
    """
    address = network.client_ip(request)
    return None if address == network.UNKNOWN else address


__all__ = [
    "DEVICE_ID_SESSION_KEY",
    "ROLES_REQUIRING_TWO_FACTOR",
    "StaffLockoutBackend",
    "StaffTwoFactorMiddleware",
    "TwoFactorRefused",
    "two_factor_device",
    "two_factor_enrol_confirm",
    "two_factor_enrol_start",
    "two_factor_required",
    "two_factor_verify",
]
