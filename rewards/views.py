"""Rider pages for points and benefits, the public honour roll, and the voucher counter page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from core.models import City
from core.responses import file_response
from riders.permissions import rider_required

from . import selectors, services
from .forms import HonourFilterForm, VoucherCodeForm
from .models import Benefit, Honour


@rider_required
@require_GET
def points(request):
    """The signed-in rider: own balance, cash rewards and ledger history (keyset-paged)."""
    try:
        before = int(request.GET["before"]) if "before" in request.GET else None
    except ValueError:
        before = None
    history = selectors.ledger_history(rider=request.rider, before=before)
    return render(
        request,
        "rewards/points.html",
        {
            "balance": selectors.points_balance(rider=request.rider),
            "cash": selectors.cash_summary(rider=request.rider),
            "history": history,
            "first_page": before is None,
            "nav": "me",
        },
    )


@rider_required
@require_GET
def benefit_list(request):
    """The signed-in rider: the catalogue of benefits available today, with their balance."""
    benefits = selectors.catalogue(today=timezone.localdate(), rider=request.rider)
    return render(
        request,
        "rewards/benefit_list.html",
        {
            "benefits": benefits,
            "balance": selectors.points_balance(rider=request.rider),
            "nav": "me",
        },
    )


@rider_required
@require_http_methods(["GET", "POST"])
def benefit_redeem(request, pk: int):
    """The signed-in rider: confirm, then redeem a benefit with their own points."""
    benefit = selectors.catalogue(today=timezone.localdate(), rider=request.rider).filter(pk=pk)
    benefit = benefit.first()
    if benefit is None:
        raise Http404
    balance = selectors.points_balance(rider=request.rider)
    if request.method == "POST":
        try:
            redemption = services.benefit_redeem(rider=request.rider, benefit_id=benefit.pk)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Done! Show the code %(code)s at %(provider)s.")
                % {"code": redemption.code, "provider": benefit.provider},
            )
            return redirect("rewards:redemptions")
    return render(
        request,
        "rewards/benefit_redeem.html",
        {
            "benefit": benefit,
            "balance": balance,
            "balance_after": balance - benefit.points_price,
            "missing": max(0, benefit.points_price - balance),
            "limit_reached": benefit.per_rider_limit is not None
            and benefit.held >= benefit.per_rider_limit,
            "nav": "me",
        },
    )


@rider_required
@require_GET
def redemption_list(request):
    """The signed-in rider: their own redemptions with the codes to show."""
    page = Paginator(selectors.redemptions_for_rider(rider=request.rider), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "rewards/redemption_list.html", {"page": page, "nav": "me"})


@require_GET
def benefit_picture(request, pk: int):
    """Anyone: a benefit's picture (the catalogue is not secret)."""
    return file_response(get_object_or_404(Benefit, pk=pk).picture, public=True, max_age=86400)


@require_GET
def honour_roll(request):
    """Anyone: the published honour roll, newest first, filterable by kind; one city's (issue
    19): `?city=<code>`, else a signed-in rider's own, else every city's."""
    form = HonourFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    city = City.objects.filter(code=request.GET.get("city", "")).first()
    if city is None and hasattr(request.user, "rider"):
        city = request.user.rider.district.city
    honours = selectors.published_honours(kind=kind, city_id=city.pk if city else None)
    page = Paginator(honours, 12).get_page(request.GET.get("page"))
    return render(
        request,
        "rewards/honour_roll.html",
        {
            "page": page,
            "form": form,
            "kind": kind,
            "kinds": Honour.Kind.choices,
            "city": city,
            "nav": "home",
        },
    )


@require_GET
def honour_photo(request, pk: int):
    """Anyone, for a published honour; unpublished ones do not exist to the public."""
    # Nor the photos of riders who have not agreed to appear with one (issue 20).
    honour = get_object_or_404(selectors.published_honours().filter(public=True), pk=pk)
    return file_response(honour.photo, public=True, max_age=3600)


@login_required
@permission_required("rewards.use_redemption", raise_exception=True)
@require_http_methods(["GET", "POST"])
def voucher_counter(request):
    """Provider staff (canteen operators, centre admins): type or scan a code, mark it used."""
    form = VoucherCodeForm(request.POST or None)
    used = None
    if request.method == "POST" and form.is_valid():
        try:
            used = services.redemption_use(code=form.cleaned_data["code"], by=request.user)
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            form = VoucherCodeForm()
    return render(request, "rewards/voucher_counter.html", {"form": form, "used": used})
