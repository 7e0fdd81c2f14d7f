"""What growth holds of a rider, for their export and account closure
(core/personal_data.py; registered in GrowthConfig.ready()).

Closure cancels current enrolments (growth.services.enrolment_cancel: the seat goes back to the
others) and keeps the rest with the rider pseudonymised: a certificate stays verifiable by its
code, and the course's attendance counts stay right.
"""

from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, register, rows_of

from .models import Attendance, Enrolment
from .services import enrolment_cancel


def _enrolments(rider):
    rows = rows_of(
        Enrolment.objects.filter(rider=rider).order_by("enrolled_at", "id"),
        "id",
        "status",
        "enrolled_at",
        "cancelled_at",
        "completed_at",
        "certificate_code",
        course="course__title",
        provider="course__provider",
    )
    attendance: dict[int, list] = {}
    for mark in rows_of(
        Attendance.objects.filter(enrolment__rider=rider).order_by("session__starts_at", "id"),
        "enrolment_id",
        "present",
        session="session__starts_at",
    ):
        attendance.setdefault(mark.pop("enrolment_id"), []).append(mark)
    for row in rows:
        row["attendance"] = attendance.get(row["id"], [])
    return rows


def _enrolments_erase(rider) -> int:
    current = Enrolment.objects.filter(rider=rider, status=Enrolment.Status.ENROLLED)
    cancelled = 0
    for enrolment in current:
        enrolment_cancel(enrolment=enrolment, rider=rider)
        cancelled += 1
    return cancelled


def register_holdings() -> None:
    register(
        Holding(
            name="growth.enrolments",
            label=_("Your courses, attendance and certificates"),
            export=_enrolments,
            erase=_enrolments_erase,
            kept=_(
                "Current enrolments are cancelled; the others are kept without your name, so a "
                "certificate stays verifiable by its code."
            ),
        )
    )
