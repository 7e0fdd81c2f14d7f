"""Writes for the privacy notice and consents: publishing a version, a rider's acceptance and
their consent choices (docs/privacy.md)."""

import datetime as dt
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.models import User
from riders.models import Rider

from .models import Channel, ConsentChoice, ConsentEvent, NoticeAcceptance, PrivacyNotice, Purpose
from .selectors import current_notice, current_version_forget


class NoticeOutdated(Exception):
    """The rider accepted a version that is no longer the current one (a new one was published
    while the page was open): they must read the new one."""


def notice_publish(*, changes: str, changes_en: str = "", by: User | None = None) -> PrivacyNotice:
    """Publish the next version of the notice: every rider accepts it again before their next
    page. Two admins at once: the second gets the next number, or IntegrityError (retry)."""
    with transaction.atomic():
        latest = PrivacyNotice.objects.aggregate(latest=Max("version"))["latest"] or 0
        notice = PrivacyNotice.objects.create(
            version=latest + 1,
            published_at=timezone.now(),
            changes=changes,
            changes_en=changes_en,
            published_by=by,
        )
        transaction.on_commit(current_version_forget)
    return notice


def notice_accept(
    *,
    rider: Rider,
    version: int,
    channel: str,
    consents: Mapping[str, bool] | None = None,
    now: dt.datetime | None = None,
) -> NoticeAcceptance:
    """`rider` accepts `version`, which must be the current one (else NoticeOutdated), and,
    with the same click, makes the optional choices in `consents`. Accepting twice keeps the
    first acceptance. Unknown purposes or channel: ValueError, nothing written."""
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel: {channel}")
    _check_purposes(consents or {})
    now = now or timezone.now()
    with transaction.atomic():
        notice = current_notice()
        if notice is None or notice.version != version:
            raise NoticeOutdated(version)
        acceptance, _ = NoticeAcceptance.objects.get_or_create(
            rider=rider, notice=notice, defaults={"accepted_at": now, "channel": channel}
        )
        if consents:
            consents_set(rider=rider, choices=consents, now=now, notice_version=notice.version)
    return acceptance


def _check_purposes(choices: Mapping[str, bool]) -> None:
    unknown = set(choices) - set(Purpose.values)
    if unknown:
        raise ValueError(f"Unknown consent purposes: {sorted(unknown)}")


def consents_set(
    *,
    rider: Rider,
    choices: Mapping[str, bool],
    now: dt.datetime | None = None,
    notice_version: int | None = None,
) -> list[str]:
    """Record the rider's choice for each purpose in `choices`; a change (or a first choice)
    is a ConsentEvent with the notice version in force. Returns the purposes that changed.
    An unknown purpose raises ValueError and changes nothing."""
    _check_purposes(choices)
    now = now or timezone.now()
    changed: list[str] = []
    with transaction.atomic():
        if notice_version is None:
            latest = current_notice()
            notice_version = latest.version if latest else None
        # Locked: two tabs saving at once give one event per real change.
        current = {
            c.purpose: c
            for c in ConsentChoice.objects.select_for_update().filter(
                rider=rider, purpose__in=list(choices)
            )
        }
        for purpose in sorted(choices):
            granted = bool(choices[purpose])
            choice = current.get(purpose)
            if choice is not None and choice.granted == granted:
                continue
            if choice is None:
                try:
                    with transaction.atomic():
                        ConsentChoice.objects.create(
                            rider=rider, purpose=purpose, granted=granted, changed_at=now
                        )
                except IntegrityError:  # the other tab created it first: ours is the latest
                    ConsentChoice.objects.filter(rider=rider, purpose=purpose).update(
                        granted=granted, changed_at=now
                    )
            else:
                ConsentChoice.objects.filter(pk=choice.pk).update(granted=granted, changed_at=now)
            ConsentEvent.objects.create(
                rider=rider, purpose=purpose, granted=granted, at=now, notice_version=notice_version
            )
            changed.append(purpose)
    return changed


# Version 1, as migration 0003 publishes it. A test database flushed between tests loses the
# rows migrations made; post_migrate (which a flush sends) puts it back (privacy/apps.py).
VERSION_1 = {
    "published_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    "changes": "首次发布：我们收集什么、为什么、给谁、保存多久、您的权利、如何联系我们。",
    "changes_en": (
        "First version: what we collect, why, who receives it, how long it is kept, "
        "your rights and whom to contact."
    ),
}


def notice_version_1_ensure(*, using: str = "default", **_signal_kwargs: object) -> None:
    """post_migrate: version 1 exists (a no-op once it does)."""
    if not PrivacyNotice.objects.using(using).exists():
        PrivacyNotice.objects.using(using).get_or_create(version=1, defaults=VERSION_1)
        current_version_forget()
