"""What privacy holds of a rider (core/personal_data.py): their acceptances of the notice and
their consents, for their own copy and for account closure (docs/privacy.md)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, Rows

from .models import ConsentChoice, ConsentEvent, NoticeAcceptance


def _acceptances(rider: Any) -> Rows:
    for a in NoticeAcceptance.objects.filter(rider=rider).select_related("notice"):
        yield {
            "notice_version": a.notice.version,
            "accepted_at": a.accepted_at.isoformat(),
            "channel": a.channel,
        }


def _consents(rider: Any) -> Rows:
    for c in ConsentChoice.objects.filter(rider=rider):
        yield {
            "kind": "choice",
            "purpose": c.purpose,
            "granted": c.granted,
            "at": c.changed_at.isoformat(),
            "notice_version": None,
        }
    for e in ConsentEvent.objects.filter(rider=rider).order_by("at", "id"):
        yield {
            "kind": "event",
            "purpose": e.purpose,
            "granted": e.granted,
            "at": e.at.isoformat(),
            "notice_version": e.notice_version,
        }


def _consents_erase(rider: Any) -> int:
    # Closed: nothing optional goes on (no SMS, no honour roll); the history of what was
    # agreed and when stays, with the rider pseudonymised, as the record of consent.
    deleted, _by_model = ConsentChoice.objects.filter(rider=rider).delete()
    return deleted


ACCEPTANCES = Holding(
    name="privacy.notice_acceptances",
    label=_("Your acceptances of the privacy notice"),
    export=_acceptances,
    kept=_("Which version of the notice you accepted and when: the record of what you were told."),
)
CONSENTS = Holding(
    name="privacy.consents",
    label=_("Your optional consents and their history"),
    export=_consents,
    erase=_consents_erase,
    kept=_("The history of your consents: the record of what you agreed to and when."),
)
