from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Notification, User


@dataclass(frozen=True)
class HeadlineFigure:
    label: str | Promise
    value: int | None  # None: the feature behind this figure is not built yet
    unit: str | Promise = ""


def home_figures() -> list[HeadlineFigure]:
    """The headline figures on the portal's Home page."""
    from riders.selectors import active_rider_count

    return [
        HeadlineFigure(_("Active riders"), active_rider_count()),
        # PLACEHOLDER(issue 7, merchants): partner merchants count.
        HeadlineFigure(_("Partner merchants"), None),
        # PLACEHOLDER(issue 6, apartments): beds in operating rider apartments.
        HeadlineFigure(_("Apartment beds"), None),
        # PLACEHOLDER(issue 3, governance): share of reports closed within 24 hours.
        HeadlineFigure(_("Reports closed within 24 h"), None, "%"),
    ]


def inbox_for(*, user: User, limit: int = 20) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit]


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
