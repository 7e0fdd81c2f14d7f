"""The rider's "nearest with X" page (5-minute service circle)."""

from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from riders.permissions import rider_required

from . import selectors
from .forms import NearestForm, PositionForm
from .models import SERVICES

BUTTONS = [
    "water",
    "toilet",
    "ebike_charging",
    "battery_swap",
    "charging",
    "repair",
    "pharmacy",
]


@rider_required
@require_GET
def nearest(request):
    """The signed-in rider: service buttons, then the places nearest to where they stand, open
    ones first (closed ones say when they open); a wider circle when nothing near is open.

    Without a location from the phone the rider's district centre stands in, and the page
    says so.
    """
    form = NearestForm(request.GET or None)
    always_open = form.is_valid() and form.cleaned_data["always_open"]
    context = {
        "buttons": [
            (key, SERVICES[key][1], _query(service=key, always_open=always_open)) for key in BUTTONS
        ],
        "radius": request.rider.district.city.circle_metres,
        "nav": "services",
    }
    if request.GET and form.is_valid():
        data = form.cleaned_data
        approximate = data["lat"] is None or data["lng"] is None
        if approximate:
            district = request.rider.district
            lat, lng = district.latitude, district.longitude
        else:
            lat, lng = data["lat"], data["lng"]
        search = selectors.nearby_search(
            latitude=lat,
            longitude=lng,
            service=data["service"],
            always_open=always_open,
            city=request.rider.district.city,
        )
        where = {} if approximate else {"lat": lat, "lng": lng}
        context.update(
            service=data["service"],
            service_label=SERVICES[data["service"]][1],
            search=search,
            places=search.places,
            approximate=approximate,
            always_open=always_open,
            # The filter keeps the service and the place the rider stands at.
            all_hours_query=_query(service=data["service"], **where),
            always_open_query=_query(service=data["service"], always_open=True, **where),
            # The map ({% rider_map %}) shows the rider where the phone said, not at the
            # district centre that stands in for it; it looks there when nothing is near.
            here=(lat, lng),
            here_shown=None if approximate else (lat, lng),
        )
    elif request.GET:
        context["error"] = (
            _("Choose one of the services below.")
            if "service" in form.errors
            else _("Your location could not be read; try again.")
        )
    return render(request, "merchants/nearest.html", context)


def _query(*, service: str, always_open: bool = False, **where) -> str:
    params = {"service": service, **where}
    if always_open:
        params["always_open"] = "1"
    return urlencode(params)


@rider_required
@require_GET
def open_near(request):
    """Home's "open near you now" measured from where the phone says the rider is: the card's
    list as an HTML fragment, which static/js/nearby.js puts in place of the one Home rendered
    from the district's centre."""
    form = PositionForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Your location could not be read; try again."))
    # Six decimals (about 10 cm), as Nearby help keeps them.
    here = tuple(Decimal(f"{form.cleaned_data[key]:.6f}") for key in ("lat", "lng"))
    return render(
        request,
        "merchants/_open_near.html",
        {
            "near": selectors.open_near(
                latitude=here[0], longitude=here[1], city=request.rider.district.city
            ),
            "here": here,
        },
    )
