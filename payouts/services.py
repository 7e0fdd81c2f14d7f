"""Writes for payout batches: create, approve (four eyes), mark paid, discard.

Every step is a conditional write on the batch's status, so two staff clicking at once never
both succeed, and a paid batch never changes: no step starts from `paid`.
"""

from __future__ import annotations

import datetime as dt

from auditlog.context import set_actor
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import City, User
from core.tenancy import staff_city_id

from .models import BatchNumber, PayoutBatch
from .sources import source_for

Status = PayoutBatch.Status


def _next_number(*, source: str, prefix: str, month: dt.date) -> str:
    """The next number for (source, month), under a row lock on its counter.

    The counter only goes up, so a number is never handed out twice — not after a discarded
    draft either (the old `count() + 1` reused it and failed on the unique number). Called
    inside the creating transaction: a batch that is rolled back gives its number back, one
    that was saved and later discarded does not.
    """
    BatchNumber.objects.bulk_create(
        [BatchNumber(source=source, month=month)], ignore_conflicts=True
    )
    counter = BatchNumber.objects.select_for_update().get(source=source, month=month)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{month:%Y%m}-{counter.last:02d}"


def batch_create(*, source: str, month: dt.date, by: User, city: City | None = None) -> PayoutBatch:
    """A draft batch with every payable item of `source` of one city up to the end of `month`.

    The city is the creator's; a national admin (who works in every city) names it. A batch
    never mixes cities: each city pays from its own budget and its own staff approve."""
    payable = source_for(source)
    month = month.replace(day=1)
    own_city_id = staff_city_id(by)
    if city is None:
        if own_city_id is None:
            raise DomainError(_("Choose the city whose items the batch pays."), code="no_city")
        city_id = own_city_id
    elif own_city_id is not None and city.pk != own_city_id:
        raise DomainError(_("You can only put together batches for your city."), code="city")
    else:
        city_id = city.pk
    if month > timezone.localdate().replace(day=1):
        raise DomainError(_("A batch cannot cover a future month."), code="future_month")
    with transaction.atomic():
        number = _next_number(source=source, prefix=payable.prefix, month=month)
        batch = PayoutBatch.objects.create(
            number=number, source=source, month=month, city_id=city_id, created_by=by
        )
        taken = payable.take(batch=batch)
        if not taken.items:
            # Raising rolls the batch and its number back.
            raise DomainError(
                _("Nothing is waiting for payment up to the end of %(month)s.")
                % {"month": f"{month:%Y-%m}"},
                code="nothing_to_pay",
            )
        batch.item_count, batch.rider_count, batch.total = taken.items, taken.riders, taken.total
        batch.save(update_fields=["item_count", "rider_count", "total"])
    return batch


def _refused(batch: PayoutBatch) -> DomainError:
    batch.refresh_from_db()
    return DomainError(
        _("Batch %(number)s is %(status)s; this step is not possible now.")
        % {"number": batch.number, "status": batch.get_status_display()},
        code="batch_status",
    )


def batch_approve(*, batch: PayoutBatch, by: User) -> PayoutBatch:
    """A second person checks the draft (four eyes); the database refuses the creator too."""
    if staff_city_id(by) not in (None, batch.city_id):
        raise DomainError(_("This batch is another city's."), code="city")
    if batch.created_by_id == by.pk:
        raise DomainError(
            _("Batch %(number)s was put together by you; someone else must approve it.")
            % {"number": batch.number},
            code="four_eyes",
        )
    updated = PayoutBatch.objects.filter(pk=batch.pk, status=Status.DRAFT).update(
        status=Status.APPROVED, approved_by=by, approved_at=timezone.now()
    )
    if not updated:
        raise _refused(batch)
    batch.refresh_from_db()
    return batch


def batch_mark_paid(*, batch: PayoutBatch, by: User) -> PayoutBatch:
    """The platform confirmed the payment. From now on the batch and its items never change."""
    if staff_city_id(by) not in (None, batch.city_id):
        raise DomainError(_("This batch is another city's."), code="city")
    with transaction.atomic():
        updated = PayoutBatch.objects.filter(pk=batch.pk, status=Status.APPROVED).update(
            status=Status.PAID, paid_by=by, paid_at=timezone.now()
        )
        if not updated:
            raise _refused(batch)
        source_for(batch.source).paid(batch=batch)
    batch.refresh_from_db()
    return batch


def batch_discard(*, batch: PayoutBatch, by: User) -> None:
    """Drop a draft: its items become payable again; its number stays used."""
    with transaction.atomic():
        locked = PayoutBatch.objects.select_for_update().filter(pk=batch.pk).first()
        if locked is None or locked.status != Status.DRAFT:
            raise DomainError(
                _("Only a draft batch can be discarded; approved and paid batches stay."),
                code="batch_status",
            )
        source_for(locked.source).release(batch=locked)
        # The row goes; the audit log keeps who discarded it (also outside an admin request).
        with set_actor(by):
            locked.delete()
