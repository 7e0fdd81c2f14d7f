"""The privacy notice (anyone), its acceptance and the rider's privacy page (the signed-in
rider, their own only). Who: see each view."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from riders.permissions import rider_required
from riders.views import SESSION_PLATFORM_ID_TOKEN

from . import selectors, services
from .forms import AcceptForm, ConsentsForm
from .middleware import remember
from .models import Channel, PrivacyNotice, Purpose


def _notice_context(notice: PrivacyNotice | None) -> dict:
    return {
        "notice": notice,
        "contact": settings.PRIVACY_CONTACT,
        "my_data_url": "/me/data/",  # mydata's pages (issue 20): copy, correction, closure
        "purposes": Purpose.choices,
    }


@require_GET
def notice(request):
    """Anyone: the notice in force, its version and date."""
    context = _notice_context(selectors.current_notice())
    rider = getattr(request.user, "rider", None) if request.user.is_authenticated else None
    if rider is not None and context["notice"] is not None:
        context["to_accept"] = selectors.accepted_version(rider=rider) < context["notice"].version
    return render(request, "privacy/notice.html", context)


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where the rider was going: a path of this site, never back here; else Home."""
    accept = reverse("privacy:accept")
    if (
        candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not candidate.startswith(accept)
    ):
        return candidate
    return reverse("portal:home")


def _channel(request: HttpRequest) -> str:
    # Signed in with the platform (OpenID Connect) or with an SMS code on the web.
    return Channel.PLATFORM if request.session.get(SESSION_PLATFORM_ID_TOKEN) else Channel.WEB


@rider_required
@require_http_methods(["GET", "POST"])
def accept(request):
    """The signed-in rider: read the current notice, accept it, make the optional choices
    (refusing them blocks nothing), then go on where they were going."""
    rider = request.rider
    notice = selectors.current_notice()
    if notice is None:
        return redirect(_safe_next(request, request.GET.get("next")))
    status = 200
    if request.method == "POST":
        form = AcceptForm(request.POST)
        if form.is_valid():
            try:
                services.notice_accept(
                    rider=rider,
                    version=form.cleaned_data["version"],
                    channel=_channel(request),
                    consents=form.choices(),
                )
            except services.NoticeOutdated:
                messages.warning(
                    request,
                    _("The notice changed while you were reading it. Please read it again."),
                )
                query = urlencode({"next": _safe_next(request, form.cleaned_data["next"])})
                return redirect(reverse("privacy:accept") + "?" + query)
            remember(request, version=notice.version)
            return redirect(_safe_next(request, form.cleaned_data["next"]))
        status = 400
    else:
        if selectors.accepted_version(rider=rider) >= notice.version:
            # Accepted already (in another browser): this session learns it and goes on.
            remember(request, version=notice.version)
            return redirect(_safe_next(request, request.GET.get("next")))
        granted = [p for p, on in selectors.consents_for(rider=rider).items() if on]
        form = AcceptForm(
            initial={
                "version": notice.version,
                "next": _safe_next(request, request.GET.get("next")),
                "consents": granted,
            }
        )
    context = _notice_context(notice)
    context["form"] = form
    return render(request, "privacy/accept.html", context, status=status)


@rider_required
@require_http_methods(["GET", "POST"])
def my_privacy(request):
    """The signed-in rider: the notice they accepted and when, and their optional consents,
    changeable at any time."""
    rider = request.rider
    status = 200
    if request.method == "POST":
        form = ConsentsForm(request.POST)
        if form.is_valid():
            services.consents_set(rider=rider, choices=form.choices())
            messages.success(request, _("Your choices are saved."))
            return redirect("privacy:mine")
        status = 400
    else:
        granted = [p for p, on in selectors.consents_for(rider=rider).items() if on]
        form = ConsentsForm(initial={"consents": granted})
    return render(
        request,
        "privacy/mine.html",
        {
            "form": form,
            "acceptance": selectors.latest_acceptance(rider=rider),
            "notice": selectors.current_notice(),
            "choices": selectors.consent_choices_for(rider=rider),
            "my_data_url": "/me/data/",
            "nav": "me",
        },
        status=status,
    )
