"""Rider pages for the social-insurance subsidy: the rule in plain words, file a claim, my
claims. Every view: the signed-in rider, their own claims only."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
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


# Which field a rule of the service speaks about, for the form.
ERROR_FIELDS = {
    "future": "month",
    "before_joining": "month",
    "too_old": "month",
    "no_tier": "month",
    "duplicate": "month",
}


def _error_field(error: DomainError) -> str | None:
    if error.code.startswith(("proof", "photo")):
        return "proof"
    return ERROR_FIELDS.get(error.code)


@rider_required
@require_http_methods(["GET", "POST"])
def claim_new(request):
    """The signed-in rider files a claim for one month with proof; every problem of a submit
    is reported at once (the form's, and the service's rules for the month and amounts)."""
    months = selectors.claimable_months(rider=request.rider)
    form = ClaimForm(
        request.POST or None,
        request.FILES or None,
        months=months,
        insurance_types=selectors.insurance_types(),
        initial_month=selectors.claim_month_default(months=months),
    )
    if request.method == "POST":
        valid = form.is_valid()
        month, amounts = form.cleaned_data.get("month"), form.amounts()
        if month and amounts and not form.has_error(NON_FIELD_ERRORS):
            try:
                services.claim_check(rider=request.rider, month=month, amounts=amounts)
            except DomainError as error:
                form.add_error(_error_field(error), error.message)
                valid = False
        if valid:
            try:
                claim = services.claim_file(
                    rider=request.rider,
                    month=month,
                    amounts=amounts,
                    proof=form.cleaned_data["proof"],
                )
            except DomainError as error:
                form.add_error(_error_field(error), error.message)
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
