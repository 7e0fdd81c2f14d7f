"""Writes for volunteering: sign up within capacity, confirm attendance (team leader or admin),
and propose honour-roll milestones when verified hours cross them."""

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.events import publish
from core.models import User
from core.tenancy import may_see
from riders.models import Rider

from .events import VolunteerMilestoneReached
from .models import Activity, SignUp

S = SignUp.Status


class VolunteerError(DomainError):
    code = "volunteer_error"


def sign_up(*, rider: Rider, activity_id: int) -> SignUp:
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(of=("self",))
            .filter(pk=activity_id, team__city=rider.district.city_id)
            .first()
        )
        if activity is None or not activity.sign_up_open:
            raise VolunteerError(_("This activity is not open for sign-up."), code="closed")
        taken = activity.sign_ups.exclude(status=S.CANCELLED).count()
        if taken >= activity.capacity:
            raise VolunteerError(_("Sorry, the activity is full."), code="full")
        existing = SignUp.objects.filter(activity=activity, rider=rider).first()
        if existing is not None:
            if existing.status != S.CANCELLED:
                raise VolunteerError(_("You have already signed up."), code="already")
            existing.status = S.SIGNED_UP
            existing.save(update_fields=["status"])
            return existing
        try:
            with transaction.atomic():
                return SignUp.objects.create(activity=activity, rider=rider)
        except IntegrityError as error:
            raise VolunteerError(_("You have already signed up."), code="already") from error


def sign_up_cancel(*, rider: Rider, activity_id: int) -> SignUp:
    """The rider withdraws their own sign-up before the activity starts; the place goes back to
    the others (capacity counts the sign-ups not cancelled). Signing up again is allowed."""
    with transaction.atomic():
        # The activity's row first, as sign_up() locks it: a cancel and a sign-up for the last
        # place queue behind each other.
        activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
        row = (
            SignUp.objects.select_for_update().filter(activity=activity, rider=rider).first()
            if activity is not None
            else None
        )
        if activity is None or row is None or row.status == S.CANCELLED:
            raise VolunteerError(
                _("You are not signed up for this activity."), code="not_signed_up"
            )
        if row.status != S.SIGNED_UP:
            raise VolunteerError(
                _("Attendance is confirmed already: the sign-up cannot be cancelled."),
                code="confirmed",
            )
        if activity.has_started():
            raise VolunteerError(
                _("The activity has started: a sign-up can be cancelled only before."),
                code="started",
            )
        row.status = S.CANCELLED
        row.save(update_fields=["status"])
    return row


def may_confirm(*, user: User, activity: Activity) -> bool:
    """The team's leader (a rider) or staff of the team's city allowed to change sign-ups."""
    rider = getattr(user, "rider", None)
    if rider is not None and activity.team.leader_id == rider.pk:
        return True
    return (
        user.is_staff
        and user.has_perm("volunteering.change_signup")
        and may_see(user, activity.team)
    )


def attendance_confirm(*, activity: Activity, attended_ids: set[int], by: User) -> int:
    """Mark who came: they are credited the activity's hours, the others none. Returns how many
    attended. Crossing a milestone (e.g. 100 verified hours) proposes an honour."""
    if not may_confirm(user=by, activity=activity):
        raise VolunteerError(
            _("Only the team leader or an admin confirms attendance."), code="forbidden"
        )
    now = timezone.now()
    with transaction.atomic():
        sign_ups = list(
            SignUp.objects.select_for_update().filter(activity=activity).exclude(status=S.CANCELLED)
        )
        attended = [s for s in sign_ups if s.pk in attended_ids]
        for sign_up_row in sign_ups:
            came = sign_up_row in attended
            sign_up_row.status = S.ATTENDED if came else S.ABSENT
            sign_up_row.verified_hours = activity.hours if came else Decimal("0")
            sign_up_row.confirmed_by, sign_up_row.confirmed_at = by, now
        SignUp.objects.bulk_update(
            sign_ups, ["status", "verified_hours", "confirmed_by", "confirmed_at"]
        )
        for sign_up_row in attended:
            _propose_milestones(sign_up_row.rider_id)
    return len(attended)


def _propose_milestones(rider_id: int) -> None:
    total = (
        SignUp.objects.filter(rider_id=rider_id, status=S.ATTENDED).aggregate(
            s=Sum("verified_hours")
        )["s"]
        or 0
    )
    for milestone in settings.VOLUNTEER_MILESTONES:
        if total < milestone:
            break
        # The honour roll (rewards) proposes the honour; volunteering does not know it.
        publish(VolunteerMilestoneReached(rider_id=rider_id, hours=milestone))
