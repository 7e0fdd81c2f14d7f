"""Writes for rider apartments: the application → offer → tenancy workflow, check-in/out,
inspections.

    waiting ──offer──▶ offered ──accept──▶ accepted (a tenancy: start, check-in, check-out)
       │                 ├──decline──▶ declined   ┐ the bed goes to the next rider in line
       │                 └──(48 h)───▶ expired    ┘
       └──cancel──▶ cancelled (the rider, while waiting or offered)

Every step locks the rows it changes. The database refuses what a race could still produce:
two open offers of one bed, two current tenancies of one bed or one rider, two open
applications of one rider.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.messages import bilingual
from core.models import User
from core.services import notification_post
from riders.models import Rider
from riders.notify import Notice, SMSNotice, riders_notify
from riders.sms_outbox import sms_withdraw

from . import messages
from .models import (
    Apartment,
    Application,
    Bed,
    ChecklistItem,
    Inspection,
    InspectionResult,
    Tenancy,
)
from .selectors import bed_counts_forget, bed_is_occupied, bed_is_offered

logger = logging.getLogger(__name__)
S = Application.Status
OPEN = (S.WAITING, S.OFFERED)


class ApartmentError(DomainError):
    code = "apartment_error"


# --- Applying --------------------------------------------------------------------------------


def application_submit(
    *, rider: Rider, apartments: Iterable[Apartment], desired_move_in: dt.date
) -> Application:
    """An active rider without a bed joins the waiting list of one or more operating apartments."""
    apartments = list(apartments)
    today = timezone.localdate()
    if not rider.is_active:
        raise ApartmentError(_("Your rider account is not active."), code="rider_inactive")
    if not apartments:
        raise ApartmentError(_("Choose at least one apartment."), code="no_apartment")
    if any(not apartment.is_operating for apartment in apartments):
        raise ApartmentError(
            _("You can only apply for apartments that are open."), code="apartment_not_operating"
        )
    city_id = rider.district.city_id
    if any(apartment.district.city_id != city_id for apartment in apartments):
        raise ApartmentError(
            _(
                "You can only apply for apartments in your own city. If you now work in "
                "another city, ask the service centre to move you there first."
            ),
            code="other_city",
        )
    if desired_move_in < today:
        raise ApartmentError(_("The move-in date is in the past."), code="date_in_past")
    if desired_move_in > today + dt.timedelta(days=settings.APARTMENT_MOVE_IN_MAX_DAYS):
        raise ApartmentError(
            _("Apply at most %(days)d days before you want to move in.")
            % {"days": settings.APARTMENT_MOVE_IN_MAX_DAYS},
            code="date_too_far",
        )
    if Tenancy.objects.filter(rider=rider, ended_on__isnull=True).exists():
        raise ApartmentError(
            _("You already have a bed. Check out first to apply for another."), code="housed"
        )
    try:
        with transaction.atomic():
            application = Application.objects.create(
                rider=rider, city_id=city_id, desired_move_in=desired_move_in
            )
            application.apartments.set(apartments)
            _counts_changed()
    except IntegrityError as error:
        raise ApartmentError(
            _("You already have an open application; cancel it to apply again."),
            code="already_applied",
        ) from error
    return application


def application_cancel(*, application: Application, rider: Rider) -> Application:
    """The rider withdraws; a bed offered to them goes to the next in line."""
    if application.rider_id != rider.pk:
        raise ApartmentError(_("This is not your application."), code="not_yours")
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in OPEN:
            raise ApartmentError(_("This application is already closed."), code="closed")
        bed = locked.offered_bed if locked.status == S.OFFERED else None
        locked.status = S.CANCELLED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        sms_withdraw(subject=offer_subject(locked))
        _counts_changed()
        if bed is not None:
            _offer_to_next(bed=_bed_locked(bed.pk), by=None)
    return locked


# --- Offering beds ---------------------------------------------------------------------------


def free_beds(apartment: Apartment) -> QuerySet[Bed]:
    """Active beds with no current tenancy and no open offer, in room order."""
    return (
        Bed.objects.filter(apartment=apartment, is_active=True)
        .exclude(bed_is_occupied())
        .exclude(bed_is_offered())
        .order_by("room__floor", "room__number", "label")
    )


def _fits(bed: Bed, rider: Rider) -> bool:
    return not bed.room.gender or bed.room.gender == rider.gender


def _offer(application: Application, bed: Bed, by: User | None, now: dt.datetime) -> None:
    application.status = S.OFFERED
    application.offered_bed = bed
    application.offered_at = now
    application.offer_expires_at = now + dt.timedelta(hours=settings.APARTMENT_OFFER_HOURS)
    application.offered_by = by
    application.offer_reminded_at = None
    _counts_changed()


def _counts_changed() -> None:
    # Now, and again after the commit, so that nobody caches the old counts in between.
    bed_counts_forget()
    transaction.on_commit(bed_counts_forget)


def _waiting_for(apartment: Apartment, limit: int) -> list[Application]:
    """The next `limit` riders in line for this apartment, locked; rows another transaction
    holds are skipped so that concurrent offers never pick the same rider."""
    return list(
        Application.objects.filter(status=S.WAITING, apartments=apartment, rider__is_active=True)
        .select_related("rider__user")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("created_at", "id")[:limit]
    )


def bed_offer(*, bed: Bed, by: User | None) -> Application | None:
    """Offer this free bed to the next rider in line who may live in its room.

    Returns the application offered to, or None when nobody in line fits.
    """
    with transaction.atomic():
        locked = _bed_locked(bed.pk)
        if not locked.apartment.is_operating or not locked.is_active:
            raise ApartmentError(_("This bed cannot be offered now."), code="bed_unavailable")
        if not free_beds(locked.apartment).filter(pk=locked.pk).exists():
            raise ApartmentError(_("This bed is taken or already offered."), code="bed_taken")
        return _offer_to_next(bed=locked, by=by)


def _bed_locked(bed_id: int) -> Bed:
    return (
        Bed.objects.select_for_update(of=("self",))
        .select_related("room__room_type", "apartment")
        .get(pk=bed_id)
    )


def _offer_to_next(
    *, bed: Bed, by: User | None, now: dt.datetime | None = None
) -> Application | None:
    """Inside a transaction that holds the bed: offer it to the first fitting rider in line."""
    if not bed.apartment.is_operating or not bed.is_active:
        return None
    now = now or timezone.now()
    limit = 50
    while True:
        candidates = _waiting_for(bed.apartment, limit)
        for application in candidates:
            if _fits(bed, application.rider):
                _offer(application, bed, by, now)
                application.save(
                    update_fields=[
                        "status",
                        "offered_bed",
                        "offered_at",
                        "offer_expires_at",
                        "offered_by",
                        "offer_reminded_at",
                    ]
                )
                _notify_offers([application])
                return application
        if len(candidates) < limit:
            return None  # nobody in line fits this room
        limit *= 4


def beds_fill(*, apartment: Apartment, by: User | None) -> list[Application]:
    """Offer every free bed of the apartment to the riders in line, in order.

    Set-based: one query locks the free beds, one the waiting riders, one writes the offers, so
    200 beds and 1,000 waiting riders take well under the 2 s target (bench/apartments.py).
    """
    if not apartment.is_operating:
        raise ApartmentError(
            _("Only an operating apartment can offer beds."), code="apartment_not_operating"
        )
    with transaction.atomic():
        beds = list(
            free_beds(apartment)
            .select_related("room")
            .select_for_update(skip_locked=True, of=("self",))
        )
        if not beds:
            return []
        waiting = _waiting_for(apartment, limit=max(len(beds) * 3, 100))
        now = timezone.now()
        offered: list[Application] = []
        for application in waiting:
            bed = next((b for b in beds if _fits(b, application.rider)), None)
            if bed is None:
                continue
            beds.remove(bed)
            _offer(application, bed, by, now)
            offered.append(application)
            if not beds:
                break
        Application.objects.bulk_update(
            offered,
            [
                "status",
                "offered_bed",
                "offered_at",
                "offer_expires_at",
                "offered_by",
                "offer_reminded_at",
            ],
        )
        _notify_offers(offered)
    return offered


def _notify_offers(applications: list[Application]) -> None:
    """The offers' inbox messages (one INSERT for all, each read in its rider's language) and
    their SMS with the deadline (riders/notify.py: quiet hours, preferences, caps)."""
    link = reverse("apartments:mine")
    riders_notify(
        notices=[
            Notice(
                application.rider,
                messages.BED_OFFERED,
                _offer_params(application),
                link,
                sms=_offer_sms("bed_offer", application),
            )
            for application in applications
        ]
    )


def _offer_params(application: Application) -> dict[str, object]:
    return {"bed": _bed_names(application.offered_bed), "deadline": _deadline(application)}


def _deadline(application: Application) -> str:
    # "06-12 18:00": the same in every language, and short enough for an SMS template variable.
    assert application.offer_expires_at is not None  # an offer has its deadline
    return timezone.localtime(application.offer_expires_at).strftime("%m-%d %H:%M")


def offer_subject(application: Application) -> str:
    """What an offer's SMS are about (riders.SMSLog.subject): answering withdraws them."""
    return f"apartments.application:{application.pk}"


def _offer_sms(kind: str, application: Application) -> SMSNotice:
    bed = application.offered_bed
    assert bed is not None  # an offer has its bed (application_offer_complete)
    # The gateway's template is Chinese: the apartment's Chinese name, kept short.
    return SMSNotice(
        kind,
        {"apartment": bed.room.apartment.name[:20], "deadline": _deadline(application)},
        expires_at=application.offer_expires_at,
        subject=offer_subject(application),
    )


def _bed_names(bed: Bed | None) -> dict[str, str]:
    # The bed as its __str__ names it, with the apartment's name in each language.
    if bed is None:  # never for an offer; typed so because the column is nullable
        return bilingual(zh="")
    apartment, place = bed.room.apartment, f"{bed.room.number}-{bed.label}"
    return bilingual(
        zh=f"{apartment.name} {place}", en=f"{apartment.name_en or apartment.name} {place}"
    )


# --- The rider answers ------------------------------------------------------------------------


def offer_accept(*, application: Application, rider: Rider) -> Tenancy:
    """The rider takes the offered bed: a tenancy starts on their move-in date (or today)."""
    if application.rider_id != rider.pk:
        raise ApartmentError(_("This is not your application."), code="not_yours")
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("offered_bed__room__room_type")
            .get(pk=application.pk)
        )
        if locked.status != S.OFFERED:
            raise ApartmentError(_("There is no open offer to accept."), code="no_offer")
        # An open offer has its bed and deadline (the application_offer_complete constraint).
        assert locked.offer_expires_at is not None and locked.offered_bed is not None
        now = timezone.now()
        if locked.offer_expires_at <= now:
            raise ApartmentError(
                _("Sorry, this offer has expired; the bed went to the next rider."),
                code="offer_expired",
            )
        bed = locked.offered_bed
        locked.status = S.ACCEPTED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        sms_withdraw(subject=offer_subject(locked))  # no offer SMS held for the morning
        _counts_changed()
        try:
            with transaction.atomic():
                tenancy = Tenancy.objects.create(
                    bed=bed,
                    rider=rider,
                    application=locked,
                    monthly_rent=bed.room.room_type.monthly_rent,
                    starts_on=max(locked.desired_move_in, timezone.localdate()),
                )
        except IntegrityError as error:
            raise ApartmentError(
                _("This bed or rider already has a current tenancy."), code="tenancy_exists"
            ) from error
    return tenancy


def offer_decline(*, application: Application, rider: Rider) -> Application:
    """The rider says no; the bed goes to the next rider in line."""
    if application.rider_id != rider.pk:
        raise ApartmentError(_("This is not your application."), code="not_yours")
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("offered_bed__room", "offered_bed__apartment")
            .get(pk=application.pk)
        )
        if locked.status != S.OFFERED:
            raise ApartmentError(_("There is no open offer to decline."), code="no_offer")
        bed = locked.offered_bed
        assert bed is not None  # an open offer has its bed (application_offer_complete)
        locked.status = S.DECLINED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        sms_withdraw(subject=offer_subject(locked))
        _counts_changed()
        _offer_to_next(bed=_bed_locked(bed.pk), by=None)
    return locked


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Offers not answered in time expire; each bed goes to the next rider in line.

    The conditional UPDATE claims each offer, so a rider accepting at that very moment (who
    holds the row lock) either wins before it or finds it expired after.
    """
    now = now or timezone.now()
    expired = 0
    due = Application.objects.filter(status=S.OFFERED, offer_expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for application_id in list(due[:1000]):
        with transaction.atomic():
            application = (
                Application.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("rider__user")
                .filter(pk=application_id, status=S.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if application is None:
                continue
            assert application.offered_bed_id is not None  # application_offer_complete
            bed = _bed_locked(application.offered_bed_id)
            application.status = S.EXPIRED
            application.closed_at = now
            application.save(update_fields=["status", "closed_at"])
            _counts_changed()
            notification_post(
                recipient=application.rider.user,
                message=messages.OFFER_EXPIRED,
                link=reverse("apartments:mine"),
            )
            _offer_to_next(bed=bed, by=None, now=now)
            expired += 1
    return expired


def offer_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each rider whose offer expires within APARTMENT_OFFER_REMINDER_HOURS, once per
    offer (beat, every 5 minutes): an inbox message and an SMS with the deadline.

    The offers are locked (`SKIP LOCKED`: one a rider is answering this moment is left for the
    next run) and claimed by setting `offer_reminded_at` in the same transaction as the
    messages, so two runs at once, or a run after a crash, never remind twice; a rollback
    leaves the offer to be reminded by the next run."""
    now = now or timezone.now()
    soon = now + dt.timedelta(hours=settings.APARTMENT_OFFER_REMINDER_HOURS)
    due = Application.objects.filter(
        status=S.OFFERED,
        offer_reminded_at__isnull=True,
        offer_expires_at__gt=now,
        offer_expires_at__lte=soon,
    ).values_list("pk", flat=True)
    reminded = 0
    ids = list(due.order_by("offer_expires_at")[:1000])
    for start in range(0, len(ids), 200):
        with transaction.atomic():
            claimed = list(
                Application.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("rider__user", "offered_bed__room__apartment")
                .filter(
                    pk__in=ids[start : start + 200],
                    status=S.OFFERED,
                    offer_reminded_at__isnull=True,
                    offer_expires_at__gt=now,
                )
            )
            if not claimed:
                continue
            Application.objects.filter(pk__in=[a.pk for a in claimed]).update(offer_reminded_at=now)
            link = reverse("apartments:mine")
            riders_notify(
                notices=[
                    Notice(
                        application.rider,
                        messages.OFFER_EXPIRING,
                        _offer_params(application),
                        link,
                        sms=_offer_sms("offer_expiring", application),
                    )
                    for application in claimed
                ],
                now=now,
            )
            reminded += len(claimed)
    return reminded


# --- Managers: check-in and check-out ---------------------------------------------------------


def tenancy_check_in(*, tenancy: Tenancy, by: User) -> Tenancy:
    updated = Tenancy.objects.filter(
        pk=tenancy.pk, ended_on__isnull=True, checked_in_at__isnull=True
    ).update(checked_in_at=timezone.now(), checked_in_by=by)
    if not updated:
        raise ApartmentError(
            _("Only a current tenancy that has not checked in can check in."), code="check_in"
        )
    tenancy.refresh_from_db()
    return tenancy


def tenancy_check_out(*, tenancy: Tenancy, by: User) -> Tenancy:
    """The rider leaves: the tenancy ends today and the bed is free for the next offer at once."""
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        locked = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
        if locked.ended_on is not None:
            raise ApartmentError(_("This tenancy has already ended."), code="ended")
        locked.ended_on = max(today, locked.starts_on)
        if locked.checked_in_at is not None:
            locked.checked_out_at, locked.checked_out_by = now, by
        locked.save(update_fields=["ended_on", "checked_out_at", "checked_out_by"])
        _counts_changed()
    return locked


# --- Inspections ------------------------------------------------------------------------------


def inspection_record(
    *,
    apartment: Apartment,
    inspector: User,
    inspected_on: dt.date,
    results: dict[int, tuple[bool, str]],
    notes: str = "",
) -> Inspection:
    """Record a standard inspection: one result per active checklist item; passed if all pass."""
    if inspected_on > timezone.localdate():
        raise ApartmentError(_("An inspection cannot be in the future."), code="future")
    items = list(ChecklistItem.objects.filter(is_active=True))
    missing = [item for item in items if item.pk not in results]
    if missing:
        raise ApartmentError(
            _("Check every item of the standard: %(items)s missing.")
            % {"items": ", ".join(str(item) for item in missing)},
            code="incomplete",
        )
    with transaction.atomic():
        inspection = Inspection.objects.create(
            apartment=apartment,
            inspector=inspector,
            inspected_on=inspected_on,
            notes=notes,
            passed=all(results[item.pk][0] for item in items),
        )
        InspectionResult.objects.bulk_create(
            InspectionResult(
                inspection=inspection,
                item=item,
                passed=results[item.pk][0],
                note=results[item.pk][1],
            )
            for item in items
        )
    return inspection


def inspection_refresh(*, inspection: Inspection) -> Inspection:
    """After the admin edits results: passed iff every item passed."""
    passed = not inspection.results.filter(passed=False).exists()
    Inspection.objects.filter(pk=inspection.pk).update(passed=passed)
    inspection.passed = passed
    return inspection


def mattress_issue(*, beds: Iterable[Bed], on: dt.date) -> int:
    """The "one bed" standard: record the free mattress for beds that have none yet."""
    return Bed.objects.filter(pk__in=[b.pk for b in beds], mattress_issued_on__isnull=True).update(
        mattress_issued_on=on
    )
