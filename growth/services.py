"""Writes for the growth plan: enrol within the seats, cancel, mark attendance, complete."""

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from riders.models import Rider

from .models import Attendance, Course, Enrolment, Session, new_certificate_code

E = Enrolment.Status


class GrowthError(DomainError):
    code = "growth_error"


def enrolment_create(*, rider: Rider, course_id: int) -> Enrolment:
    """Take a seat. The course row lock makes the seat limit hold under many riders at once."""
    if not rider.is_active:
        raise GrowthError(_("Your rider account is not active."), code="rider_inactive")
    with transaction.atomic():
        # A course of the rider's city only (another city's: as if it were not open).
        course = (
            Course.objects.select_for_update()
            .filter(pk=course_id, is_published=True, city_id=rider.district.city_id)
            .first()
        )
        if course is None:
            raise GrowthError(_("This course is not open for enrolment."), code="not_open")
        taken = course.enrolments.filter(status__in=[E.ENROLLED, E.COMPLETED]).count()
        if taken >= course.seats:
            raise GrowthError(_("Sorry, the course is full."), code="full")
        try:
            with transaction.atomic():
                return Enrolment.objects.create(course=course, rider=rider)
        except IntegrityError as error:
            raise GrowthError(_("You are already enrolled."), code="already_enrolled") from error


def enrolment_cancel(*, enrolment: Enrolment, rider: Rider) -> Enrolment:
    if enrolment.rider_id != rider.pk:
        raise GrowthError(_("This is not your enrolment."), code="not_yours")
    updated = Enrolment.objects.filter(pk=enrolment.pk, status=E.ENROLLED).update(
        status=E.CANCELLED, cancelled_at=timezone.now()
    )
    if not updated:
        raise GrowthError(_("Only a current enrolment can be cancelled."), code="not_enrolled")
    enrolment.refresh_from_db()
    return enrolment


def attendance_mark(*, session: Session, present_ids: set[int], by: User) -> list[Enrolment]:
    """Record who came to a session (every current enrolment: present or not), then complete
    the enrolments that reached the course's required sessions. Returns the newly completed."""
    with transaction.atomic():
        enrolments = list(
            Enrolment.objects.select_for_update().filter(
                course_id=session.course_id, status__in=[E.ENROLLED, E.COMPLETED]
            )
        )
        for enrolment in enrolments:
            Attendance.objects.update_or_create(
                session=session,
                enrolment=enrolment,
                defaults={"present": enrolment.pk in present_ids, "marked_by": by},
            )
        return _complete(session.course, [e for e in enrolments if e.status == E.ENROLLED])


def _complete(course: Course, enrolments: list[Enrolment]) -> list[Enrolment]:
    attended = dict(
        Attendance.objects.filter(enrolment__in=enrolments, present=True)
        .values_list("enrolment")
        .annotate(n=Count("pk"))
        .order_by()
    )
    completed = []
    now = timezone.now()
    for enrolment in enrolments:
        if attended.get(enrolment.pk, 0) >= course.required_sessions:
            enrolment.status = E.COMPLETED
            enrolment.completed_at = now
            enrolment.certificate_code = new_certificate_code()
            enrolment.save(update_fields=["status", "completed_at", "certificate_code"])
            completed.append(enrolment)
    return completed
