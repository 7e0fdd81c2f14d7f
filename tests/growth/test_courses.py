"""Courses: enrolment within the seats, cancel, attendance, completion, certificates."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from core.errors import DomainError
from core.roles import CENTRE_ADMIN, DISPATCHER
from growth import services
from growth.models import Enrolment
from tests.conftest import require_service
from tests.factories import RiderFactory, StaffFactory, course_with_sessions
from tests.governance.test_concurrency import run_concurrently


@pytest.mark.django_db
def test_enrol_cancel_and_the_seat_comes_back():
    course = course_with_sessions(seats=1)
    first, second = RiderFactory(), RiderFactory()
    enrolment = services.enrolment_create(rider=first, course_id=course.pk)
    with pytest.raises(DomainError) as refused:
        services.enrolment_create(rider=second, course_id=course.pk)
    assert refused.value.code == "full"
    with pytest.raises(DomainError) as refused:
        services.enrolment_create(rider=first, course_id=course.pk)
    assert refused.value.code in ("already_enrolled", "full")
    services.enrolment_cancel(enrolment=enrolment, rider=first)
    services.enrolment_create(rider=second, course_id=course.pk)
    with pytest.raises(DomainError):
        services.enrolment_cancel(enrolment=enrolment, rider=first)


@pytest.mark.django_db
def test_completion_when_attendance_reaches_the_threshold_then_a_certificate_verifies(client):
    course = course_with_sessions(sessions=3, required=2)
    rider, absent = RiderFactory(name="王小骑"), RiderFactory()
    mine = services.enrolment_create(rider=rider, course_id=course.pk)
    services.enrolment_create(rider=absent, course_id=course.pk)
    staff = StaffFactory()
    first, second, _third = course.sessions.order_by("starts_at")
    assert services.attendance_mark(session=first, present_ids={mine.pk}, by=staff) == []
    completed = services.attendance_mark(session=second, present_ids={mine.pk}, by=staff)
    assert [e.pk for e in completed] == [mine.pk]
    mine.refresh_from_db()
    assert mine.status == "completed" and len(mine.certificate_code) == 10
    assert Enrolment.objects.get(rider=absent).status == "enrolled"
    # Marking the same session again changes nothing and issues no second certificate.
    services.attendance_mark(session=second, present_ids={mine.pk}, by=staff)
    assert Enrolment.objects.get(pk=mine.pk).certificate_code == mine.certificate_code
    page = client.get(reverse("growth:certificate", args=[mine.certificate_code]))
    assert page.status_code == 200 and "王小骑" in page.content.decode()
    assert client.get(reverse("growth:certificate", args=["NOTACODE22"])).status_code == 404
    check = client.get(reverse("growth:check"), {"code": mine.certificate_code.lower()})
    assert check.status_code == 302
    assert client.get(reverse("growth:check"), {"code": "WRONG"}).status_code == 200


@pytest.mark.django_db
def test_course_pages_need_a_rider_and_show_only_my_enrolments(
    client, django_assert_max_num_queries
):
    url = reverse("growth:courses")
    assert client.get(url).status_code == 302
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 403
    rider = RiderFactory()
    client.force_login(rider.user)
    for size in (1, 6):
        for n in range(size):
            course_with_sessions(title=f"课程{size}-{n}")
        with django_assert_max_num_queries(7):
            page = client.get(url).content.decode()
        assert page.count("data-course") >= size
    course = course_with_sessions(title="管理课", category="management")
    page = client.get(url, {"category": "management"}).content.decode()
    assert "管理课" in page and "课程1-0" not in page
    assert client.get(url, {"category": "nonsense"}).status_code == 200
    client.post(reverse("growth:enrol", args=[course.pk]))
    theirs = services.enrolment_create(rider=RiderFactory(), course_id=course.pk)
    assert client.post(reverse("growth:cancel", args=[theirs.pk])).status_code == 404
    mine = client.get(reverse("growth:mine")).content.decode()
    assert mine.count("data-enrolment") == 1


@pytest.mark.django_db
def test_register_in_the_admin_completes_and_only_staff_with_rights_may(client):
    course = course_with_sessions(sessions=1, required=1)
    enrolment = services.enrolment_create(rider=RiderFactory(), course_id=course.pk)
    session = course.sessions.get()
    url = reverse("admin:growth_session_register", args=[session.pk])
    dispatcher = StaffFactory()
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    client.force_login(admin)
    assert client.get(url).status_code == 200
    client.post(url, {"present": [str(enrolment.pk), "junk"]})
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"


@pytest.mark.django_db(transaction=True)
def test_thirty_riders_race_for_five_seats():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    course = course_with_sessions(seats=5)
    riders = iter([RiderFactory() for _ in range(30)])
    lock = threading.Lock()

    def enrol():
        with lock:
            rider = next(riders)
        return services.enrolment_create(rider=rider, course_id=course.pk)

    outcomes = run_concurrently(30, enrol)
    assert len([o for o in outcomes if isinstance(o, Enrolment)]) == 5
    assert {o.code for o in outcomes if isinstance(o, DomainError)} == {"full"}
    assert Enrolment.objects.filter(course=course).count() == 5
