"""Rider pages for apartments: the list with free beds, applying, my place in line, answering
an offer. Every view: the signed-in rider, their own application and tenancy only."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.responses import file_response
from riders.permissions import rider_required

from . import selectors, services
from .forms import ApplicationForm
from .models import Apartment, Application


@rider_required
@require_GET
def apartment_list(request):
    """The signed-in rider: apartments with photo, district, facilities, rent, free beds now."""
    return render(
        request,
        "apartments/apartment_list.html",
        {
            "apartments": selectors.apartments_for_riders(city_id=request.rider.district.city_id),
            "housing": selectors.housing_for_rider(rider=request.rider),
            "nav": "services",
        },
    )


@rider_required
@require_http_methods(["GET", "POST"])
def application_new(request):
    """The signed-in rider applies for a bed in one or more operating apartments."""
    # The rider's city's apartments only: another city's id posted is not a valid choice.
    form = ApplicationForm(
        request.POST or None,
        apartments=selectors.operating_apartments(request.rider.district.city_id),
    )
    if request.method == "GET" and "apartment" in request.GET:
        form.initial["apartments"] = request.GET.getlist("apartment")
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                rider=request.rider,
                apartments=form.cleaned_data["apartments"],
                desired_move_in=form.cleaned_data["desired_move_in"],
            )
        except DomainError as error:
            field = "desired_move_in" if error.code.startswith("date") else None
            form.add_error(field, error.message)
        else:
            messages.success(request, _("You are on the waiting list."))
            return redirect("apartments:mine")
    return render(
        request,
        "apartments/application_form.html",
        {"form": form, "offer_hours": settings.APARTMENT_OFFER_HOURS, "nav": "services"},
    )


@rider_required
@require_GET
def my_housing(request):
    """The signed-in rider: their bed, or their application, place in line and offer."""
    return render(
        request,
        "apartments/mine.html",
        {"housing": selectors.housing_for_rider(rider=request.rider), "nav": "services"},
    )


def _own_application(request, pk: int) -> Application:
    # Another rider's application is 404, not 403: nobody learns it exists.
    return get_object_or_404(Application, pk=pk, rider=request.rider)


@rider_required
@require_POST
def offer_answer(request, pk: int, answer: str):
    """The signed-in rider accepts or declines the bed offered to them, or cancels."""
    application = _own_application(request, pk)
    action = {
        "accept": services.offer_accept,
        "decline": services.offer_decline,
        "cancel": services.application_cancel,
    }[answer]
    try:
        action(application=application, rider=request.rider)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            {
                "accept": _("The bed is yours. The manager checks you in when you arrive."),
                "decline": _("You declined the offer; the bed goes to the next rider."),
                "cancel": _("Your application is cancelled."),
            }[answer],
        )
    return redirect("apartments:mine")


@require_GET
def apartment_photo(request, pk: int):
    """Anyone: an apartment's photo (the list of apartments is not secret)."""
    return file_response(get_object_or_404(Apartment, pk=pk).photo, public=True, max_age=86400)
