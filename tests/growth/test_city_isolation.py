"""Courses city by city (issue 19): a rider sees and enrols in their city's courses only;
staff see their city's courses, sessions and enrolments (another city's is a 404)."""

import pytest
from django.urls import reverse

from core.roles import CENTRE_ADMIN
from growth import services
from growth.models import Course
from growth.selectors import courses_for_riders
from growth.services import GrowthError
from tests.cities import jinan_rider, national_admin, rider_client, staff
from tests.factories import RiderFactory, course_with_sessions, jinan, qingdao

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses():
    qingdao_course = course_with_sessions(title="青岛交通安全课")
    jinan_course = course_with_sessions(title="济南急救课")
    Course.objects.filter(pk=jinan_course.pk).update(city=jinan())
    jinan_course.refresh_from_db()
    return qingdao_course, jinan_course


def test_a_course_without_a_city_is_the_first_citys(courses):
    assert courses[0].city == qingdao()


def test_a_jinan_rider_sees_and_enrols_in_jinan_courses_only(client, courses):
    qingdao_course, jinan_course = courses
    rider = jinan_rider()
    assert [c.title for c in courses_for_riders(rider=rider)] == ["济南急救课"]
    assert [c.title for c in courses_for_riders(rider=RiderFactory())] == ["青岛交通安全课"]
    page = rider_client(client, rider).get(reverse("growth:courses")).text
    assert "济南急救课" in page and "青岛交通安全课" not in page
    with pytest.raises(GrowthError) as refused:
        services.enrolment_create(rider=rider, course_id=qingdao_course.pk)
    assert refused.value.code == "not_open"
    assert services.enrolment_create(rider=rider, course_id=jinan_course.pk).course == jinan_course


def test_staff_see_their_citys_courses(client, courses):
    _qingdao_course, jinan_course = courses
    enrolment = services.enrolment_create(rider=jinan_rider(), course_id=jinan_course.pk)
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    listing = client.get(reverse("admin:growth_course_changelist")).text
    assert "青岛交通安全课" in listing and "济南急救课" not in listing
    assert (
        client.get(reverse("admin:growth_course_change", args=[jinan_course.pk])).status_code == 404
    )
    assert (
        client.get(reverse("admin:growth_enrolment_change", args=[enrolment.pk])).status_code == 404
    )
    session = jinan_course.sessions.first()
    assert (
        client.get(reverse("admin:growth_session_register", args=[session.pk])).status_code == 404
    )
    client.force_login(national_admin())
    listing = client.get(reverse("admin:growth_course_changelist")).text
    assert "青岛交通安全课" in listing and "济南急救课" in listing
