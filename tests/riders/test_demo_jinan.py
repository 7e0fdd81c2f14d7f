"""The demo's second city (issue 19): Jinan has riders, an apartment, a canteen, places, a
course and a volunteer team of its own, seeding twice changes nothing, and Jinan's rider sees
Jinan's things only."""

import pytest
from django.core.management import call_command

from apartments.models import Apartment, Bed
from apartments.selectors import apartments_for_riders
from canteen.models import Canteen, SetMeal
from core.models import User
from core.tenancy import city_filter
from growth.models import Course
from growth.selectors import courses_for_riders
from merchants.models import Merchant, OpeningHours
from riders.demo import JINAN_RIDER_PHONE
from riders.models import Rider
from volunteering.models import Activity, Team

pytestmark = pytest.mark.django_db


def jinan_counts():
    city = {"district__city__code": "jinan"}
    return (
        Rider.objects.filter(**city).count(),
        Apartment.objects.filter(**city).count(),
        Bed.objects.filter(apartment__district__city__code="jinan").count(),
        Canteen.objects.filter(**city).count(),
        SetMeal.objects.filter(canteen__district__city__code="jinan").count(),
        Merchant.objects.filter(**city).count(),
        OpeningHours.objects.filter(merchant__district__city__code="jinan").count(),
        Course.objects.filter(city__code="jinan").count(),
        Team.objects.filter(city__code="jinan").count(),
        Activity.objects.filter(team__city__code="jinan").count(),
    )


def test_the_demo_has_a_second_city_and_seeding_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = jinan_counts()
    assert all(first), first
    assert {r.district.code for r in Rider.objects.filter(district__city__code="jinan")} == {
        "lixia",
        "shizhong",
    }
    call_command("seed_demo")
    assert jinan_counts() == first
    rider = Rider.objects.with_phone(JINAN_RIDER_PHONE).get()
    assert {
        a.district.city.code for a in apartments_for_riders(city_id=rider.district.city_id)
    } == {"jinan"}
    assert {c.city.code for c in courses_for_riders(rider=rider)} == {"jinan"}
    # Jinan's staff see Jinan's apartment, Qingdao's their own.
    manager = User.objects.get(username="jinan-manager")
    assert {a.district.city.code for a in city_filter(Apartment.objects.all(), manager)} == {
        "jinan"
    }
    assert Course.objects.filter(city__code="qingdao").exists()
