"""Rider sign-in (phone + one-time code), sign-out and the Me page. Who: see each view."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.selectors import inbox_for, unread_count
from core.services import notifications_mark_read
from rewards.selectors import points_balance

from . import services
from .forms import CodeForm, PhoneForm
from .models import mask_phone
from .permissions import rider_required

SESSION_PHONE = "sign_in_phone"
SESSION_NEXT = "sign_in_next"


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:home")


@require_http_methods(["GET", "POST"])
def sign_in(request):
    """Anyone: ask for a one-time code by phone number."""
    if request.method == "POST":
        form = PhoneForm(request.POST)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            request.session[SESSION_PHONE] = phone
            request.session[SESSION_NEXT] = _safe_next(request, request.POST.get("next"))
            try:
                services.sign_in_code_request(phone=phone, language=request.LANGUAGE_CODE)
            except services.SignInThrottled as throttled:
                messages.warning(request, throttled.message)
            else:
                # The same words whether or not the number is registered (no enumeration).
                messages.info(
                    request,
                    _("If %(phone)s belongs to a registered rider, a 6-digit code is on its way.")
                    % {"phone": mask_phone(phone)},
                )
            return redirect("riders:sign_in_code")
    else:
        form = PhoneForm(initial={"phone": request.session.get(SESSION_PHONE, "")})
    return render(
        request, "riders/sign_in.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    """Anyone who asked for a code in this browser session: enter it and sign in."""
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("riders:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rider = services.sign_in_code_verify(phone=phone, code=form.cleaned_data["code"])
        except services.SignInFailed as failed:
            form.add_error("code", failed.message)
        else:
            next_url = request.session.get(SESSION_NEXT) or reverse("core:home")
            login(request, rider.user, backend="django.contrib.auth.backends.ModelBackend")
            response = redirect(next_url)
            if rider.user.language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    rider.user.language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    samesite="Lax",
                )
            return response
    return render(
        request,
        "riders/sign_in_code.html",
        {"form": form, "masked_phone": mask_phone(phone), "phone": phone},
    )


@require_POST
def sign_out(request):
    """Anyone signed in."""
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("riders:sign_in")


@rider_required
def me(request):
    """The signed-in rider: their own profile, points, tier history and inbox."""
    rider = request.rider
    return render(
        request,
        "riders/me.html",
        {
            "rider": rider,
            "tier_periods": rider.tier_periods.order_by("-started_on")[:10],
            "inbox": inbox_for(user=request.user),
            "unread": unread_count(user=request.user),
            "points": points_balance(rider=rider),
            "nav": "me",
        },
    )


@rider_required
@require_POST
def inbox_mark_read(request):
    """The signed-in rider: mark their own notifications read."""
    notifications_mark_read(recipient=request.user)
    return redirect("riders:me")
