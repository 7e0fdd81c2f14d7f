"""What volunteering holds of a rider, for their export and account closure
(core/personal_data.py; registered in VolunteeringConfig.ready()).

The export has the rider's teams (their own membership: never the other members) and their
sign-ups with the hours verified. Closure takes the rider out of their teams, withdraws
sign-ups for activities not held yet, and keeps the verified hours with the rider
pseudonymised (a team's record of its work). Leading a team blocks closure: the team needs
another leader first (riders/obligations.py).
"""

from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, register, rows_of

from .models import SignUp, Team


def leads_a_team(rider) -> str | None:
    if Team.objects.filter(leader=rider).exists():
        return _g("You lead a volunteer team. Ask the service centre to name another leader first.")
    return None


def _teams(rider):
    return rows_of(
        Team.objects.filter(members=rider).order_by("name"),
        "name",
        "founded_on",
        city="city__name",
    )


def _teams_erase(rider) -> int:
    teams = list(Team.objects.filter(members=rider))
    for team in teams:
        team.members.remove(rider)
    return len(teams)


def _sign_ups_erase(rider) -> int:
    # Not held yet: the place goes back to the others (capacity counts sign-ups not cancelled).
    # Held ones wait for their attendance to be confirmed, as anyone's.
    return SignUp.objects.filter(
        rider=rider, status=SignUp.Status.SIGNED_UP, activity__date__gt=timezone.localdate()
    ).update(status=SignUp.Status.CANCELLED)


def register_holdings() -> None:
    register(
        Holding(
            name="volunteering.teams",
            label=_("Your volunteer teams"),
            export=_teams,
            erase=_teams_erase,
        )
    )
    register(
        Holding(
            name="volunteering.sign_ups",
            label=_("Your volunteering and verified hours"),
            export=lambda rider: rows_of(
                SignUp.objects.filter(rider=rider).order_by("activity__date", "id"),
                "status",
                "verified_hours",
                "confirmed_at",
                "created_at",
                activity="activity__title",
                date="activity__date",
                place="activity__place",
                team="activity__team__name",
            ),
            erase=_sign_ups_erase,
            kept=_("Verified hours are kept without your name: the team's record of its work."),
        )
    )
    from riders.obligations import register_closure

    register_closure("volunteering.leads_a_team", leads_a_team)
