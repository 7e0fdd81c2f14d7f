"""The portal shell: Home and Services, the pages that show several apps at once."""

from django.shortcuts import render

from riders.permissions import rider_required

from .selectors import home_figures


@rider_required
def home(request):
    """The signed-in rider: greeting, tier and the headline figures."""
    return render(request, "portal/home.html", {"figures": home_figures(), "nav": "home"})


@rider_required
def services_index(request):
    """The signed-in rider: the city services, one tile each."""
    return render(request, "portal/services.html", {"nav": "services"})
