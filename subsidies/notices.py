"""Telling riders the review's outcome (riders/notify.py), apart from the review itself."""

from django.urls import reverse

from core.messages import Message
from riders.models import Rider
from riders.notify import Notice, SMSNotice, riders_notify

from .models import Claim


def decisions_notify(*, claims: list[Claim], message: Message, reason: str = "") -> None:
    """Tell each claim's rider, in the review's transaction and in batches: the outcome in the
    inbox, and an SMS that there is one (the outcome itself stays in the portal: an SMS can be
    read over a shoulder). `reason`: the reviewer's words for a rejection, shown as typed."""
    link = reverse("subsidies:list")
    for start in range(0, len(claims), 5000):
        chunk = claims[start : start + 5000]
        riders = Rider.objects.select_related("user").in_bulk([c.rider_id for c in chunk])
        riders_notify(
            notices=[
                Notice(
                    riders[claim.rider_id],
                    message,
                    {"month": f"{claim.month:%Y-%m}", "subsidy": str(claim.subsidy)},
                    link,
                    reason,
                    SMSNotice("subsidy_decision", {"period": f"{claim.month:%Y-%m}"}),
                )
                for claim in chunk
            ]
        )
