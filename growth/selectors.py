"""Reads for the growth plan: the course list with seats left, a rider's courses, certificates."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from core.prepared import PreparedModels
from riders.models import Rider

from .models import Attendance, Course, Enrolment, Session

E = Enrolment.Status


def courses_for_riders(*, rider: Rider, category: str = "") -> QuerySet[Course]:
    """Published courses of the rider's city with seats taken, whether this rider is
    enrolled, and the sessions."""
    courses = (
        Course.objects.filter(is_published=True, city=rider.district.city_id)
        .annotate(
            taken=Count("enrolments", filter=Q(enrolments__status__in=[E.ENROLLED, E.COMPLETED])),
            mine=Exists(
                Enrolment.objects.filter(
                    course=OuterRef("pk"), rider=rider, status__in=[E.ENROLLED, E.COMPLETED]
                )
            ),
        )
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at")))
        .order_by("category", "title")
    )
    if category:
        courses = courses.filter(category=category)
    return courses


def enrolments_for_rider(*, rider: Rider) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(rider=rider)
        .select_related("course")
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("-enrolled_at", "-id")
    )


def certificate(*, code: str) -> Enrolment | None:
    return (
        Enrolment.objects.filter(certificate_code=code.strip().upper(), status=E.COMPLETED)
        .select_related("course", "rider")
        .first()
    )


def session_register(*, session: Session) -> list[tuple[Enrolment, bool]]:
    """Current enrolments of the session's course, with who is marked present."""
    present = set(
        Attendance.objects.filter(session=session, present=True).values_list("enrolment", flat=True)
    )
    enrolments = Enrolment.objects.filter(
        course_id=session.course_id, status__in=[E.ENROLLED, E.COMPLETED]
    ).select_related("rider")
    return [(e, e.pk in present) for e in enrolments.order_by("rider__name")]


def next_session_for_rider(*, rider: Rider, now: dt.datetime) -> Session | None:
    """The next session (or the one under way) of a course the rider is enrolled in (Home):
    one query."""
    found = _NEXT_SESSION.objects(rider_id=rider.pk, now=now)
    return found[0] if found else None


# Home's course card, compiled once per process (core/prepared.py).
_NEXT_SESSION = PreparedModels(
    lambda _shape, rider_id, now: (
        Session.objects.filter(
            course__enrolments__rider_id=rider_id,
            course__enrolments__status=E.ENROLLED,
            ends_at__gt=now,
        )
        .select_related("course")
        .order_by("starts_at", "id")[:1]
    ),
    rider_id=int,
    now=dt.datetime,
)
