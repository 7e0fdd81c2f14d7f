"""Reads for the privacy notice and consents (docs/privacy.md)."""

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from django.db.models import Exists, OuterRef

from core.memo import ProcessMemo
from riders.models import Rider

from .models import ConsentChoice, NoticeAcceptance, PrivacyNotice, Purpose

BATCH_SIZE = 2000  # rider ids per query (well under SQLite's variable limit)


def current_notice() -> PrivacyNotice | None:
    """The notice in force: the highest version published (None before any is)."""
    return PrivacyNotice.objects.order_by("-version").first()


def _load_current_version() -> int:
    latest = PrivacyNotice.objects.order_by("-version").values_list("version", flat=True).first()
    return latest or 0


# Read on every rider page by the gate (privacy/middleware.py): each process keeps the number
# for a short while, so a page costs no query; publishing clears the publishing process's copy
# at once (privacy/apps.py), the others follow within the minute.
_current_version = ProcessMemo(_load_current_version, ttl_seconds=60)
current_version_forget = _current_version.forget


def current_version() -> int:
    """The current notice's version number, 0 while none is published (nothing to accept)."""
    return _current_version.get()


def notice_of_version(version: int) -> PrivacyNotice | None:
    return PrivacyNotice.objects.filter(version=version).first()


def accepted_version(*, rider: Rider) -> int:
    """The highest version `rider` accepted, 0 for none."""
    version = (
        NoticeAcceptance.objects.filter(rider=rider)
        .order_by("-notice__version")
        .values_list("notice__version", flat=True)
        .first()
    )
    return version or 0


def latest_acceptance(*, rider: Rider) -> NoticeAcceptance | None:
    return (
        NoticeAcceptance.objects.filter(rider=rider)
        .select_related("notice")
        .order_by("-notice__version")
        .first()
    )


def consents_for(*, rider: Rider) -> dict[str, bool]:
    """Every purpose with the rider's choice (False where they never chose: opt-in)."""
    chosen = dict(ConsentChoice.objects.filter(rider=rider).values_list("purpose", "granted"))
    return {purpose.value: chosen.get(purpose.value, False) for purpose in Purpose}


def consent_choices_for(*, rider: Rider) -> dict[str, ConsentChoice]:
    return {c.purpose: c for c in ConsentChoice.objects.filter(rider=rider)}


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def riders_consenting(*, purpose: str, rider_ids: Iterable[int]) -> set[int]:
    """Of `rider_ids`, those who granted `purpose`: one query per 2,000 riders."""
    found: set[int] = set()
    for chunk in _chunks(sorted(set(rider_ids)), BATCH_SIZE):
        found.update(
            ConsentChoice.objects.filter(
                rider_id__in=chunk, purpose=purpose, granted=True
            ).values_list("rider_id", flat=True)
        )
    return found


def sms_gate(rider_ids: set[int]) -> set[int]:
    """riders/notify.py's SMS gate: the riders who agreed to SMS notices."""
    return riders_consenting(purpose=Purpose.SMS_NOTICES, rider_ids=rider_ids)


def consent_granted(purpose: str, *, rider_field: str = "rider") -> Exists:
    """An expression for annotating rows that hang from a rider: whether that rider granted
    `purpose` (e.g. the honour roll's `public`), in the same query as the rows."""
    return Exists(
        ConsentChoice.objects.filter(rider=OuterRef(rider_field), purpose=purpose, granted=True)
    )


def masked_name(name: str) -> str:
    """王小骑 → 王**, Alex Chen → A*******: shown where a rider has not agreed to be named."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
