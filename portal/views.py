"""The portal shell: Home, Services and Me, the pages that show several apps at once."""

from django.shortcuts import render

from core.selectors import inbox_for, unread_count
from rewards.selectors import points_balance
from riders.permissions import rider_required

from .selectors import home_figures, rider_today


@rider_required
def home(request):
    """The signed-in rider: what needs doing now (a bed offer, today's pick-up code, reports
    waiting for their answer, points, the subsidy claim, the next course session), greeting,
    tier and the city's headline figures below."""
    return render(
        request,
        "portal/home.html",
        {
            "today": rider_today(rider=request.rider),
            "figures": home_figures(request.rider.district.city_id),
            "nav": "home",
        },
    )


@rider_required
def services_index(request):
    """The signed-in rider: the city services, one tile each."""
    return render(request, "portal/services.html", {"nav": "services"})


@rider_required
def me(request):
    """The signed-in rider: their own profile, points, tier history and inbox."""
    rider = request.rider
    return render(
        request,
        "portal/me.html",
        {
            "rider": rider,
            "tier_periods": rider.tier_periods.order_by("-started_on")[:10],
            "inbox": inbox_for(user=request.user),
            "unread": unread_count(user=request.user),
            "points": points_balance(rider=rider),
            "nav": "me",
        },
    )
