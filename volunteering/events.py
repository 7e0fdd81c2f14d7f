"""What volunteering tells the other apps (core/events.py); it imports none of them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class VolunteerMilestoneReached:
    """A rider's verified volunteer hours have reached `hours` (one of VOLUNTEER_MILESTONES).

    Published again whenever attendance is confirmed past it: subscribers are idempotent.
    """

    rider_id: int
    hours: int
