"""Rider sign-in (phone + one-time code, or the platform's account), sign-out and the Me page.
Who: see each view."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.services import notifications_mark_read

from . import oidc, services
from .forms import CodeForm, PhoneForm
from .models import mask_phone
from .network import client_ip
from .permissions import rider_required

SESSION_PHONE = "sign_in_phone"
SESSION_NEXT = "sign_in_next"
# The platform's ID token of a rider signed in with the platform: the hint for signing out there.
SESSION_PLATFORM_ID_TOKEN = "platform_id_token"  # noqa: S105 (a session key, not a secret)
# Set when a browser signs in as a rider; its value vouches for that one phone number.
DEVICE_COOKIE = "riders_portal_device"
DEVICE_COOKIE_SALT = "riders.views.device"


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


def _trusted_device(request, phone: str) -> bool:
    """Has this browser signed in as `phone` within SIGN_IN_DEVICE_DAYS? (See services.)"""
    token = request.get_signed_cookie(
        DEVICE_COOKIE,
        default=None,
        salt=DEVICE_COOKIE_SALT,
        max_age=settings.SIGN_IN_DEVICE_DAYS * 24 * 3600,
    )
    return token is not None and constant_time_compare(
        token, services.sign_in_device_token(phone=phone)
    )


@require_http_methods(["GET", "POST"])
def sign_in(request):
    """Anyone: ask for a one-time code by phone number."""
    if request.method == "POST":
        form = PhoneForm(request.POST)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                services.sign_in_code_request(
                    phone=phone,
                    client_ip=client_ip(request),
                    trusted_device=_trusted_device(request, phone),
                    language=request.LANGUAGE_CODE,
                )
            except services.SignInThrottled as throttled:
                if throttled.code != services.RESEND_TOO_SOON:
                    # No code was sent: stay here and say why and when to come back.
                    form.add_error("phone", throttled.message)
                    response = _sign_in_page(request, form, status=429)
                    response["Retry-After"] = str(throttled.retry_after)
                    return response
                # The code sent a moment ago still works: go and enter it.
                messages.warning(request, throttled.message)
            else:
                # The same words whether or not the number is registered (no enumeration).
                messages.info(
                    request,
                    _("If %(phone)s belongs to a registered rider, a 6-digit code is on its way.")
                    % {"phone": mask_phone(phone)},
                )
            request.session[SESSION_PHONE] = phone
            request.session[SESSION_NEXT] = _safe_next(request, request.POST.get("next"))
            return redirect("riders:sign_in_code")
    else:
        form = PhoneForm(initial={"phone": request.session.get(SESSION_PHONE, "")})
    return _sign_in_page(request, form)


def _help_contact() -> dict[str, str]:
    """Whom a rider without a code asks (settings CENTRE_PHONE, CENTRE_WECHAT). Shown to every
    visitor alike, before and after asking for a code: the page never tells whether a number
    is registered (docs/security.md)."""
    return {"phone": settings.CENTRE_PHONE, "wechat": settings.CENTRE_WECHAT}


def _sign_in_page(request, form: PhoneForm, *, status: int = 200):
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(
        request,
        "riders/sign_in.html",
        {
            "form": form,
            "next": next_url,
            "platform_sign_in": oidc.platform_sign_in_enabled(),
            "help_contact": _help_contact(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    """Anyone who asked for a code in this browser session: enter it and sign in."""
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("riders:sign_in")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rider = services.sign_in_code_verify(
                phone=phone,
                code=form.cleaned_data["code"],
                client_ip=client_ip(request),
                trusted_device=_trusted_device(request, phone),
            )
        except services.SignInThrottled as throttled:
            form.add_error("code", throttled.message)
            status = 429
        except services.SignInFailed as failed:
            form.add_error("code", failed.message)
        else:
            next_url = request.session.get(SESSION_NEXT) or reverse("portal:home")
            return _rider_session_start(request, rider, next_url=next_url, channel="sms")
    return render(
        request,
        "riders/sign_in_code.html",
        {
            "form": form,
            "masked_phone": mask_phone(phone),
            "phone": phone,
            "help_contact": _help_contact(),
        },
        status=status,
    )


def _rider_session_start(request, rider, *, next_url: str, channel: str):
    """Sign `rider` in on this browser: the one way in for the phone code and the platform."""
    login(request, rider.user, backend="riders.auth.RiderSessionBackend")
    # The rider's own sign-in history (Me → My data's export).
    services.sign_in_record(
        rider=rider,
        channel=channel,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response = redirect(next_url)
    # This browser may now ask for this number's codes past the per-client, network and
    # budget limits (services.sign_in_code_request).
    response.set_signed_cookie(
        DEVICE_COOKIE,
        services.sign_in_device_token(phone=rider.phone),
        salt=DEVICE_COOKIE_SALT,
        max_age=settings.SIGN_IN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    if rider.user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            rider.user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
        )
    return response


@require_POST
def sign_out(request):
    """Anyone signed in. A rider who came in with the platform is signed out there too, when
    the platform offers RP-initiated logout."""
    id_token = request.session.get(SESSION_PLATFORM_ID_TOKEN)
    logout(request)
    messages.info(request, _("You have signed out."))
    if id_token and (
        url := oidc.platform_logout_url(
            id_token=id_token,
            post_logout_redirect_uri=request.build_absolute_uri(reverse("riders:sign_in")),
        )
    ):
        return redirect(url)
    return redirect("riders:sign_in")


def _platform_callback_uri(request) -> str:
    # Registered at the platform as the client's redirect URI (docs/sign-in.md).
    return request.build_absolute_uri(reverse("riders:platform_callback"))


@require_GET
def platform_sign_in(request):
    """Anyone, when the platform sign-in is configured (else 404): off to the platform's
    sign-in. The platform's app may link here directly, with ?next=."""
    if not oidc.platform_sign_in_enabled():
        raise Http404
    request.session[SESSION_NEXT] = _safe_next(request, request.GET.get("next"))
    try:
        return oidc.platform_authorize_redirect(
            request, redirect_uri=_platform_callback_uri(request)
        )
    except oidc.PlatformSignInRefused as refused:
        return _platform_refused(request, refused)


@require_GET
def platform_callback(request):
    """The browser the platform sends back (404 when not configured): signed in as the rider
    the platform's rider number names, or a page that says why not. Nothing is created."""
    if not oidc.platform_sign_in_enabled():
        raise Http404
    try:
        signed_in = oidc.platform_sign_in_finish(
            request, redirect_uri=_platform_callback_uri(request)
        )
    except oidc.PlatformSignInRefused as refused:
        return _platform_refused(request, refused)
    next_url = request.session.get(SESSION_NEXT) or reverse("portal:home")
    response = _rider_session_start(request, signed_in.rider, next_url=next_url, channel="platform")
    request.session[SESSION_PLATFORM_ID_TOKEN] = signed_in.id_token
    return response


def _platform_refused(request, refused: oidc.PlatformSignInRefused):
    return render(
        request,
        "riders/platform_refused.html",
        {
            "message": refused.message,
            "reason": refused.code,
            # The platform's answer was refused, not the rider: trying again may work.
            "retry": refused.code in {oidc.FAILED, oidc.UNAVAILABLE, oidc.CANCELLED},
        },
        status=refused.status,
    )


@rider_required
@require_POST
def inbox_mark_read(request):
    """The signed-in rider: mark their own notifications read."""
    notifications_mark_read(recipient=request.user)
    return redirect("portal:me")
