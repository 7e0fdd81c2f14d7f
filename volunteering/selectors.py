"""Reads for volunteering: team totals, a team's activities, a rider's own record."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from riders.models import Rider

from .models import Activity, SignUp, Team

ATTENDED = SignUp.Status.ATTENDED


def teams_with_totals(*, city_id: int | None = None) -> QuerySet[Team]:
    """Activities held, members and verified hours per team, in one query; of city `city_id`
    when given (a rider sees their city's teams)."""
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=10, decimal_places=1))
    teams = Team.objects.all() if city_id is None else Team.objects.filter(city=city_id)
    return (
        teams.select_related("leader")
        .annotate(
            activities_held=Count("activities", distinct=True),
            member_count=Count("members", distinct=True),
            verified_hours=Coalesce(
                Sum(
                    "activities__sign_ups__verified_hours",
                    filter=Q(activities__sign_ups__status=ATTENDED),
                ),
                zero,
            ),
        )
        .order_by("name")
    )


def team_hours(team: Team) -> Decimal:
    hours: Decimal = SignUp.objects.filter(activity__team=team, status=ATTENDED).aggregate(
        s=Sum("verified_hours", default=Decimal("0"))
    )["s"]
    return hours


def team_activities(*, team: Team, rider: Rider | None = None) -> QuerySet[Activity]:
    activities = team.activities.annotate(
        signed=Count("sign_ups", filter=~Q(sign_ups__status=SignUp.Status.CANCELLED))
    ).order_by("-date", "-id")
    if rider is not None:
        activities = activities.annotate(
            mine=Count(
                "sign_ups",
                filter=Q(sign_ups__rider=rider) & ~Q(sign_ups__status=SignUp.Status.CANCELLED),
            )
        )
    return activities


def rider_record(*, rider: Rider) -> tuple[QuerySet[SignUp], Decimal]:
    sign_ups = (
        SignUp.objects.filter(rider=rider)
        .select_related("activity__team")
        .order_by("-activity__date", "-id")
    )
    total = sign_ups.filter(status=ATTENDED).aggregate(
        s=Sum("verified_hours", default=Decimal("0"))
    )["s"]
    return sign_ups, total
