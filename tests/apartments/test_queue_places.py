"""Where a rider stands in each apartment's waiting list: the place counts the waiting riders who
applied earlier to *that* apartment, the line counts every waiting rider of it."""

import pytest
from django.utils import timezone

from apartments import services
from apartments.models import Application
from apartments.selectors import queue_places
from tests.factories import RiderFactory, apartment_with_beds

pytestmark = pytest.mark.django_db


def apply(apartments):
    return services.application_submit(
        rider=RiderFactory(), apartments=apartments, desired_move_in=timezone.localdate()
    )


def places(application):
    return {
        place.apartment.name: (place.position, place.waiting)
        for place in queue_places(application=application)
    }


def test_places_and_lines_with_several_riders_and_apartments(django_assert_num_queries):
    jiaozhou = apartment_with_beds(2, name="胶州骑手公寓")
    licang = apartment_with_beds(2, name="李沧骑手公寓")
    shinan = apartment_with_beds(2, name="市南骑手公寓")
    first = apply([jiaozhou, licang])
    second = apply([jiaozhou])
    third = apply([jiaozhou, licang, shinan])
    fourth = apply([shinan])

    assert places(first) == {"胶州骑手公寓": (1, 3), "李沧骑手公寓": (1, 2)}
    assert places(second) == {"胶州骑手公寓": (2, 3)}
    with django_assert_num_queries(1):
        assert places(third) == {
            "胶州骑手公寓": (3, 3),
            "李沧骑手公寓": (2, 2),
            "市南骑手公寓": (1, 2),
        }
    assert places(fourth) == {"市南骑手公寓": (2, 2)}


def test_riders_who_left_the_line_are_not_counted():
    jiaozhou = apartment_with_beds(2, name="胶州骑手公寓")
    gone = apply([jiaozhou])
    waiting = apply([jiaozhou])
    Application.objects.filter(pk=gone.pk).update(status=Application.Status.CANCELLED)
    assert places(waiting) == {"胶州骑手公寓": (1, 1)}


def test_the_rider_page_says_the_place_in_a_line_of_the_right_length(client):
    jiaozhou = apartment_with_beds(2, name="胶州骑手公寓")
    apply([jiaozhou])
    apply([jiaozhou])
    mine = apply([jiaozhou])
    client.force_login(mine.rider.user)
    page = client.get("/apartments/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "number 3 of 3 in line" in page
