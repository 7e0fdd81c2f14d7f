"""What apartments holds of a rider, for their export and account closure
(core/personal_data.py; registered in ApartmentsConfig.ready()).

Applications and tenancies are the record of who was given a publicly funded bed and what rent
was charged: closure keeps them with the rider pseudonymised, the application's note (typed by
staff, often about the rider) cleared. A current bed, or a place on a waiting list or an open
offer, blocks closure (riders/obligations.py): check out or cancel first.
"""

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, register, rows_of

from .models import Application, Tenancy

S = Application.Status


def bed_or_waiting_list(rider) -> str | None:
    if Tenancy.objects.filter(rider=rider, ended_on__isnull=True).exists():
        return _g(
            "You have a bed in a rider apartment. Check out with the apartment manager first."
        )
    if Application.objects.filter(rider=rider, status=S.OFFERED).exists():
        return _g("A bed is offered to you. Accept or decline the offer first.")
    if Application.objects.filter(rider=rider, status=S.WAITING).exists():
        return _g("You are on an apartment waiting list. Cancel your application first.")
    return None


def _applications(rider):
    rows = rows_of(
        Application.objects.filter(rider=rider).order_by("created_at", "id"),
        "id",
        "desired_move_in",
        "status",
        "offered_at",
        "offer_expires_at",
        "closed_at",
        "note",
        "created_at",
        city="city__name",
        offered_apartment="offered_bed__apartment__name",
        offered_room="offered_bed__room__number",
        offered_bed="offered_bed__label",
    )
    # The apartments applied for, one query for all applications.
    chosen: dict[int, list[str]] = {}
    through = Application.apartments.through.objects.filter(application__rider=rider)
    for application_id, name in through.values_list("application_id", "apartment__name"):
        chosen.setdefault(application_id, []).append(name)
    for row in rows:
        row["apartments"] = sorted(chosen.get(row["id"], []))
    return rows


def register_holdings() -> None:
    register(
        Holding(
            name="apartments.applications",
            label=_("Your apartment applications"),
            export=_applications,
            erase=lambda rider: Application.objects.filter(rider=rider).update(note=""),
            kept=_("Kept without your name: the record of how the apartments' beds were given."),
        )
    )
    register(
        Holding(
            name="apartments.tenancies",
            label=_("Your stays in rider apartments"),
            export=lambda rider: rows_of(
                Tenancy.objects.filter(rider=rider).order_by("starts_on", "id"),
                "monthly_rent",
                "starts_on",
                "ended_on",
                "checked_in_at",
                "checked_out_at",
                apartment="bed__apartment__name",
                room="bed__room__number",
                bed="bed__label",
            ),
            kept=_("Kept without your name: the record of rents charged for the beds."),
        )
    )
    from riders.obligations import register_closure

    register_closure("apartments.bed_or_waiting_list", bed_or_waiting_list)
