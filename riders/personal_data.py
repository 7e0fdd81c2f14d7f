"""What riders holds of a rider, for their export and account closure (core/personal_data.py).

Registered in RidersConfig.ready(). The inbox (core's Notification) is registered here too:
core is below every app and registers nothing itself.

Not a holding: the SMS log (SMSLog). A row keeps only a masked number ("138****1234"), the
kind and the outcome, and no link to a rider, so it is nobody's data to export and nothing of
it identifies the rider once they are gone; the privacy app's retention removes old rows.
Sign-in codes (SignInCode) keep the phone's keyed hash and masked number for a day, then are purged.
"""

from typing import Any

from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Notification
from core.personal_data import Holding, json_value, register, rows_of

from .models import CityMove, Rider, SignInRecord, SMSOptOut, TierPeriod

# What closure writes in place of the rider's name (docs/decisions.md "Account closure").
CLOSED_NAME = "已注销骑手"


def _profile(rider: Rider) -> list[dict[str, Any]]:
    return [
        {
            "rider_number": rider.rider_number,
            "name": rider.name,
            "phone": rider.phone,
            "city": rider.district.city.name,
            "district": rider.district.name,
            "station": rider.station,
            "gender": rider.gender,
            "joined_on": json_value(rider.joined_on),
            "tier": rider.tier,
            "active": rider.is_active,
            "language": rider.user.language,
            "created_at": json_value(rider.created_at),
        }
    ]


def _profile_erase(rider: Rider) -> int:
    """Pseudonymise the rider: the row stays, for what the law and accounting keep pointing at
    it (payouts, claims, the ledger); nothing in it names the person any more."""
    user = rider.user
    rider.name = f"{CLOSED_NAME}{rider.pk}"
    rider.rider_number = f"closed-{rider.pk}"
    # Nullable since "Phone numbers encrypted at rest": a closed rider has no number at all.
    rider.phone = None
    rider.station = ""
    rider.gender = ""
    rider.is_active = False
    rider.save()
    user.username = f"closed-rider-{rider.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    _sessions_delete(user.pk)
    return 1


def _sessions_delete(user_id: int) -> int:
    """Sign the user out everywhere: delete their sessions (database sessions: the session
    store decodes each; only the unexpired ones can matter)."""
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id)
    ]
    return Session.objects.filter(pk__in=doomed).delete()[0]


def _delete(queryset) -> int:
    return queryset.delete()[0]


def _sign_ins(rider: Rider):
    return rows_of(
        SignInRecord.objects.filter(rider=rider).order_by("-at", "-id"),
        "at",
        "channel",
        "user_agent",
        ip_address="ip",
    )


def _notifications(rider: Rider):
    # Rendered as the rider reads them (the export's language), plus the stored kind.
    return [
        {
            "at": json_value(notification.created_at),
            "kind": notification.kind,
            "title": notification.heading,
            "text": notification.text,
            "link": notification.link,
            "read_at": json_value(notification.read_at),
        }
        for notification in Notification.objects.filter(recipient_id=rider.user_id).order_by(
            "-created_at", "-id"
        )
    ]


def register_holdings() -> None:
    register(
        Holding(
            name="riders.profile",
            label=_("Your rider profile"),
            export=_profile,
            erase=_profile_erase,
            kept=_(
                "The rider record stays, without your name, number or phone (shown as "
                "已注销骑手 and a number), because payouts, claims and the points ledger "
                "must still point at someone."
            ),
        )
    )
    register(
        Holding(
            name="riders.tier_history",
            label=_("Your tier history"),
            export=lambda rider: rows_of(
                TierPeriod.objects.filter(rider=rider).order_by("started_on"),
                "tier",
                "started_on",
                "ended_on",
            ),
            erase=lambda rider: _delete(TierPeriod.objects.filter(rider=rider)),
        )
    )
    register(
        Holding(
            name="riders.sms_opt_outs",
            label=_("SMS you turned off"),
            export=lambda rider: rows_of(
                SMSOptOut.objects.filter(rider=rider).order_by("kind"), "kind", "created_at"
            ),
            erase=lambda rider: _delete(SMSOptOut.objects.filter(rider=rider)),
        )
    )
    register(
        Holding(
            name="riders.city_moves",
            label=_("Your moves to another city"),
            export=lambda rider: rows_of(
                CityMove.objects.filter(rider=rider).order_by("moved_at", "id"),
                "moved_at",
                "reason",
                from_district="from_district__name",
                to_district="to_district__name",
            ),
            erase=lambda rider: _delete(CityMove.objects.filter(rider=rider)),
        )
    )
    register(
        Holding(
            name="riders.sign_ins",
            label=_("Your sign-ins"),
            export=_sign_ins,
            erase=lambda rider: _delete(SignInRecord.objects.filter(rider=rider)),
        )
    )
    register(
        Holding(
            name="core.notifications",
            label=_("Your inbox"),
            export=_notifications,
            erase=lambda rider: _delete(Notification.objects.filter(Q(recipient_id=rider.user_id))),
        )
    )
