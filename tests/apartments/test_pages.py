"""Rider pages for apartments: list with free beds, apply, my place in line, answer an offer."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apartments import services
from apartments.models import Application, Tenancy
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    # Signed in as riders are (riders/auth.py): user, rider, district and city in one query.
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return rider


@pytest.mark.parametrize("name", ["apartments:list", "apartments:apply", "apartments:mine"])
def test_pages_need_a_signed_in_rider(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(StaffFactory())
    assert client.get(reverse(name)).status_code == 403


def test_list_shows_free_beds_and_constant_queries(client, rider, django_assert_max_num_queries):
    for size in (1, 6):
        for _ in range(size):
            apartment_with_beds(10)
        # 11 when the bed counts are not cached (4 grouped counts), 7 when they are.
        with django_assert_max_num_queries(11):
            page = client.get(reverse("apartments:list")).content.decode()
        assert page.count('data-free-beds="10"') >= size
    apartment_with_beds(4, status="surveying", name="市南储备")
    assert "市南储备" in client.get(reverse("apartments:list")).content.decode()


def test_apply_then_see_my_place_in_line(client, rider):
    apartment = apartment_with_beds(2, name="李沧骑手公寓")
    services.application_submit(
        rider=RiderFactory(), apartments=[apartment], desired_move_in=timezone.localdate()
    )
    move_in = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        reverse("apartments:apply"), {"apartments": [apartment.pk], "desired_move_in": move_in}
    )
    assert response.status_code == 302
    assert Application.objects.get(rider=rider).status == "waiting"
    page = client.get(reverse("apartments:mine")).content.decode()
    assert "data-waiting" in page and "2" in page and "李沧骑手公寓" in page


def test_bad_dates_and_empty_choices_are_form_errors(client, rider):
    apartment = apartment_with_beds(2)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("apartments:apply"), {"apartments": [apartment.pk], "desired_move_in": past}
    )
    assert response.status_code == 200 and response.context["form"].errors["desired_move_in"]
    response = client.post(reverse("apartments:apply"), {"desired_move_in": "2026-13-01"})
    assert set(response.context["form"].errors) == {"apartments", "desired_move_in"}
    closed = apartment_with_beds(2, status="surveying")
    response = client.post(
        reverse("apartments:apply"),
        {"apartments": [closed.pk], "desired_move_in": timezone.localdate().isoformat()},
    )
    assert response.context["form"].errors["apartments"]  # not a choice
    assert not Application.objects.exists()


def test_accept_an_offer_from_my_page(client, rider):
    apartment = apartment_with_beds(2)
    application = services.application_submit(
        rider=rider, apartments=[apartment], desired_move_in=timezone.localdate()
    )
    services.bed_offer(bed=services.free_beds(apartment).first(), by=StaffFactory())
    page = client.get(reverse("apartments:mine")).content.decode()
    assert "data-offer" in page
    client.post(reverse("apartments:accept", args=[application.pk]))
    assert Tenancy.objects.get().rider == rider
    assert "data-tenancy" in client.get(reverse("apartments:mine")).content.decode()


def test_another_riders_application_is_404(client, rider):
    apartment = apartment_with_beds(2)
    other = services.application_submit(
        rider=RiderFactory(), apartments=[apartment], desired_move_in=timezone.localdate()
    )
    services.bed_offer(bed=services.free_beds(apartment).first(), by=None)
    for name in ("apartments:accept", "apartments:decline", "apartments:cancel"):
        assert client.post(reverse(name, args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == "offered"


def test_my_page_queries_are_constant(client, rider, django_assert_max_num_queries):
    apartments = [apartment_with_beds(2) for _ in range(5)]
    services.application_submit(
        rider=rider, apartments=apartments, desired_move_in=timezone.localdate()
    )
    with django_assert_max_num_queries(8):
        assert client.get(reverse("apartments:mine")).status_code == 200


def test_free_beds_on_the_list_follow_every_change_at_once(client, rider):
    apartment = apartment_with_beds(3)
    other = RiderFactory()
    assert 'data-free-beds="3"' in client.get(reverse("apartments:list")).content.decode()
    application = services.application_submit(
        rider=other, apartments=[apartment], desired_move_in=timezone.localdate()
    )
    services.bed_offer(bed=services.free_beds(apartment).first(), by=None)
    assert 'data-free-beds="2"' in client.get(reverse("apartments:list")).content.decode()
    services.offer_decline(application=application, rider=other)
    page = client.get(reverse("apartments:list")).content.decode()
    assert 'data-free-beds="3"' in page
    from apartments.selectors import bed_counts

    assert bed_counts([apartment.pk])[apartment.pk].free == services.free_beds(apartment).count()
