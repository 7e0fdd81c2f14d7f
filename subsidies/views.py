"""Rider pages for the social-insurance subsidy: the rule in plain words, file a claim, my
claims. Every view: the signed-in rider, their own claims only."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.audit import personal_data_viewed
from core.errors import DomainError
from core.responses import file_response
from riders.permissions import rider_required

from . import selectors, services
from .forms import ClaimForm
from .models import Claim


@rider_required
@require_GET
def claim_list(request):
    """The signed-in rider: how the subsidy works, and their own claims with status and reason."""
    return render(
        request,
        "subsidies/claim_list.html",
        {"claims": selectors.claims_for_rider(rider=request.rider), "nav": "services"},
    )


@rider_required
@require_http_methods(["GET", "POST"])
def claim_new(request):
    """The signed-in rider files a claim for one month with proof."""
    form = ClaimForm(
        request.POST or None,
        request.FILES or None,
        months=selectors.claimable_months(rider=request.rider),
        insurance_types=selectors.insurance_types(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_file(
                rider=request.rider,
                month=form.cleaned_data["month"],
                amounts=form.amounts(),
                proof=form.cleaned_data["proof"],
            )
        except DomainError as error:
            field = "proof" if error.code.startswith(("proof", "photo")) else None
            form.add_error(field, error.message)
        else:
            messages.success(
                request,
                _("Claim for %(month)s filed: ¥%(subsidy)s if approved.")
                % {"month": f"{claim.month:%Y-%m}", "subsidy": claim.subsidy},
            )
            return redirect("subsidies:list")
    return render(request, "subsidies/claim_form.html", {"form": form, "nav": "services"})


@require_GET
def claim_proof(request, pk: int):
    """The claiming rider, or staff allowed to view claims; others get 404."""
    claim = get_object_or_404(Claim, pk=pk)
    rider = getattr(request.user, "rider", None) if request.user.is_authenticated else None
    own = rider is not None and claim.rider_id == rider.pk
    staff = request.user.is_authenticated and request.user.has_perm("subsidies.view_claim")
    if not (own or staff):
        raise Http404
    if not own:
        # A receipt shows the rider's name and insurance details: who opened it is logged.
        personal_data_viewed(request=request, instances=[claim.rider], view="subsidy proof")
    pdf = claim.proof.name.endswith(".pdf")
    return file_response(
        claim.proof,
        public=False,
        max_age=3600,
        content_type="application/pdf" if pdf else "image/jpeg",
    )
