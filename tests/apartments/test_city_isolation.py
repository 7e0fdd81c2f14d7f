"""Apartments city by city (issue 19): managers and centre admins see their city's apartments,
beds, applications and dashboard only (another city's object is a 404), national admins every
city's; riders see and apply to their own city's apartments only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apartments import services
from apartments.models import Apartment, Application, Bed
from apartments.selectors import apartments_for_riders
from apartments.services import ApartmentError
from core.roles import APARTMENT_MANAGER, CENTRE_ADMIN
from tests.cities import jinan_rider, national_admin, rider_client, staff, to_jinan
from tests.factories import RiderFactory, apartment_with_beds, jinan, qingdao

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities():
    return apartment_with_beds(2, name="李沧公寓"), to_jinan(
        apartment_with_beds(2, name="历下公寓")
    )


def pages(client, apartment):
    bed = Bed.objects.filter(apartment=apartment).first()
    return [
        reverse("admin:apartments_apartment_change", args=[apartment.pk]),
        reverse("admin:apartments_bed_change", args=[bed.pk]),
        reverse("admin:apartments_room_change", args=[bed.room_id]),
        reverse("admin:apartments_apartment_inspect", args=[apartment.pk]),
    ]


@pytest.mark.parametrize("role", [APARTMENT_MANAGER, CENTRE_ADMIN])
def test_qingdao_staff_get_404_for_jinan_and_never_list_it(client, two_cities, role):
    licang, lixia = two_cities
    user = staff(role, qingdao())
    licang.managers.add(user)
    lixia.managers.add(user)  # even a manager put on a Jinan apartment by mistake
    client.force_login(user)
    listing = client.get(reverse("admin:apartments_apartment_changelist")).text
    assert "李沧公寓" in listing and "历下公寓" not in listing
    for url in pages(client, lixia):
        assert client.get(url).status_code == 404, url
    for url in pages(client, licang)[:3]:
        assert client.get(url).status_code == 200, url
    dashboard = client.get(reverse("admin:apartments_apartment_occupancy")).text
    assert "李沧公寓" in dashboard and "历下公寓" not in dashboard
    beds = client.get(reverse("admin:apartments_bed_changelist")).text
    assert "历下公寓" not in beds


def test_a_qingdao_admin_never_sees_jinan_choices_in_forms(client, two_cities):
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    form = client.get(reverse("admin:apartments_apartment_add")).text
    assert "李沧区" in form and "历下区" not in form and "市中区" not in form
    # Posting a Jinan district anyway is refused as an invalid choice.
    response = client.post(
        reverse("admin:apartments_apartment_add"),
        {
            "name": "越界公寓",
            "district": jinan("lixia").pk,
            "address": "x",
            "latitude": "36.6",
            "longitude": "117.0",
            "status": "planned",
            "room_types-TOTAL_FORMS": "0",
            "room_types-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Apartment.objects.filter(name="越界公寓").exists()


def test_a_jinan_manager_sees_jinan_and_a_national_admin_both(client, two_cities):
    _licang, lixia = two_cities
    manager = staff(APARTMENT_MANAGER, jinan())
    lixia.managers.add(manager)
    client.force_login(manager)
    listing = client.get(reverse("admin:apartments_apartment_changelist")).text
    assert "历下公寓" in listing and "李沧公寓" not in listing
    client.force_login(national_admin())
    listing = client.get(reverse("admin:apartments_apartment_changelist")).text
    assert "历下公寓" in listing and "李沧公寓" in listing
    for apartment in two_cities:
        assert client.get(pages(client, apartment)[0]).status_code == 200


def test_applications_are_listed_in_the_city_they_were_made_in(client, two_cities):
    licang, lixia = two_cities
    move_in = timezone.localdate() + dt.timedelta(days=3)
    mine = services.application_submit(
        rider=RiderFactory(), apartments=[licang], desired_move_in=move_in
    )
    theirs = services.application_submit(
        rider=jinan_rider(), apartments=[lixia], desired_move_in=move_in
    )
    assert (mine.city, theirs.city) == (qingdao(), jinan())
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    url = reverse("admin:apartments_application_change", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("admin:apartments_application_change", args=[mine.pk])).status_code
        == 200
    )


def test_a_jinan_rider_sees_and_applies_to_jinan_apartments_only(client, two_cities):
    licang, _lixia = two_cities
    rider = jinan_rider()
    assert [a.name for a in apartments_for_riders(city_id=jinan().pk)] == ["历下公寓"]
    page = rider_client(client, rider).get(reverse("apartments:list")).text
    assert "历下公寓" in page and "李沧公寓" not in page
    form = client.get(reverse("apartments:apply")).text
    assert "历下公寓" in form and "李沧公寓" not in form
    move_in = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(ApartmentError) as refused:
        services.application_submit(rider=rider, apartments=[licang], desired_move_in=move_in)
    assert refused.value.code == "other_city"
    assert not Application.objects.filter(rider=rider).exists()
    # The form refuses another city's apartment as an invalid choice, nothing is filed.
    response = client.post(
        reverse("apartments:apply"),
        {"apartments": [licang.pk], "desired_move_in": move_in.isoformat()},
    )
    assert response.status_code == 200
    assert not Application.objects.filter(rider=rider).exists()
