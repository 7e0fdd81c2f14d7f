"""Volunteer teams: team pages with totals and activities, signing up, the rider's own record,
and the attendance sheet for the team leader."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from riders.permissions import rider_required

from . import selectors, services
from .models import Activity, SignUp


@rider_required
@require_GET
def team_list(request):
    """The signed-in rider: the volunteer teams with their totals, and their own record."""
    sign_ups, total = selectors.rider_record(rider=request.rider)
    return render(
        request,
        "volunteering/team_list.html",
        {
            "teams": selectors.teams_with_totals(city_id=request.rider.district.city_id),
            "record": sign_ups[:20],
            "total_hours": total,
            "nav": "services",
        },
    )


@rider_required
@require_GET
def team_detail(request, pk: int):
    """The signed-in rider: a team's totals and activities; sign up for coming ones."""
    team = get_object_or_404(
        selectors.teams_with_totals(city_id=request.rider.district.city_id), pk=pk
    )
    return render(
        request,
        "volunteering/team_detail.html",
        {
            "team": team,
            "activities": selectors.team_activities(team=team, rider=request.rider),
            "today": timezone.localdate(),
            "is_leader": team.leader_id == request.rider.pk,
            "nav": "services",
        },
    )


@rider_required
@require_POST
def activity_sign_up(request, pk: int):
    """The signed-in rider signs up for an activity."""
    return _on_activity(request, pk, services.sign_up, _("You are signed up. Thank you!"))


@rider_required
@require_POST
def activity_cancel(request, pk: int):
    """The signed-in rider cancels their own sign-up, before the activity starts."""
    return _on_activity(request, pk, services.sign_up_cancel, _("Your sign-up is cancelled."))


def _on_activity(request, pk: int, service, success: str):
    """Run `service` for the rider and the activity; back to the team's page with the outcome."""
    # Another city's activity: not found (its team is not listed to this rider either).
    activity = get_object_or_404(Activity, pk=pk, team__city=request.rider.district.city_id)
    try:
        service(rider=request.rider, activity_id=activity.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("volunteering:team", pk=activity.team_id)


@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    """The team's leader (on the portal) or an admin: tick who came; hours are credited."""
    activity = get_object_or_404(Activity.objects.select_related("team"), pk=pk)
    if not request.user.is_authenticated or not services.may_confirm(
        user=request.user, activity=activity
    ):
        raise PermissionDenied
    if request.method == "POST":
        attended = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
        try:
            count = services.attendance_confirm(
                activity=activity, attended_ids=attended, by=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)d volunteers confirmed.") % {"count": count})
            return redirect("volunteering:team", pk=activity.team_id)
    sign_ups = (
        SignUp.objects.filter(activity=activity)
        .exclude(status=SignUp.Status.CANCELLED)
        .select_related("rider")
        .order_by("rider__name")
    )
    return render(
        request,
        "volunteering/attendance.html",
        {"activity": activity, "sign_ups": sign_ups, "nav": "services"},
    )
