"""A rider moves to another city (issue 19, riders/services.py rider_move_city): history stays
with the city it was made in, a CityMove row records it, obligations to the old city refuse
the move; the rider admin is city-scoped (another city's rider is a 404) and has the move form."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from apartments import services as apartments
from canteen import services as canteen
from core.roles import CENTRE_ADMIN
from core.tenancy import may_see
from riders.models import CityMove
from riders.obligations import obligations_of
from riders.services import CityMoveRefused, rider_move_city
from tests.cities import jinan_rider, national_admin, staff
from tests.factories import (
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    jinan,
    qingdao,
    qingdao_district,
)

pytestmark = pytest.mark.django_db


def test_a_move_changes_the_city_keeps_history_and_is_recorded():
    rider = RiderFactory()
    order = canteen.meal_order_place(rider=rider, set_meal_id=canteen_with_meal().pk)
    canteen.meal_order_cancel(order=order, rider=rider)
    by = staff(CENTRE_ADMIN, qingdao())
    move = rider_move_city(rider=rider, district=jinan("shizhong"), by=by, reason="调往济南站点")
    rider.refresh_from_db()
    assert rider.district == jinan("shizhong")
    assert (move.from_district, move.to_district, move.moved_by) == (
        qingdao_district(),
        jinan("shizhong"),
        by,
    )
    # The order stays with its Qingdao canteen.
    order.refresh_from_db()
    assert order.canteen.district.city == qingdao()
    # Now a Jinan rider: Qingdao's admin no longer sees them.
    assert not may_see(by, rider) and may_see(national_admin(), rider)


@pytest.mark.parametrize(
    "district, reason, code",
    [
        (qingdao_district, "换站", "same_city"),
        (lambda: jinan("lixia"), "  ", "no_reason"),
    ],
)
def test_a_move_needs_another_city_and_a_reason(district, reason, code):
    with pytest.raises(CityMoveRefused) as refused:
        rider_move_city(
            rider=RiderFactory(), district=district(), by=national_admin(), reason=reason
        )
    assert refused.value.code == code
    assert not CityMove.objects.exists()


def test_staff_of_another_city_cannot_move_a_rider():
    with pytest.raises(CityMoveRefused) as refused:
        rider_move_city(
            rider=jinan_rider(),
            district=qingdao_district(),
            by=staff(CENTRE_ADMIN, qingdao()),
            reason="x",
        )
    assert refused.value.code == "not_yours"


def test_a_bed_or_a_waiting_list_or_an_order_ties_the_rider_to_the_city():
    rider = RiderFactory()
    apartment = apartment_with_beds(2)
    application = apartments.application_submit(
        rider=rider,
        apartments=[apartment],
        desired_move_in=timezone.localdate() + dt.timedelta(days=2),
    )
    assert obligations_of(rider)
    with pytest.raises(CityMoveRefused) as refused, translation.override("en"):
        rider_move_city(rider=rider, district=jinan("lixia"), by=national_admin(), reason="x")
    assert refused.value.code == "tied" and "waiting list" in refused.value.message
    apartments.application_cancel(application=application, rider=rider)
    canteen.meal_order_place(rider=rider, set_meal_id=canteen_with_meal().pk)
    with pytest.raises(CityMoveRefused):
        rider_move_city(rider=rider, district=jinan("lixia"), by=national_admin(), reason="x")
    rider.refresh_from_db()
    assert rider.district.city == qingdao() and not CityMove.objects.exists()


def test_the_rider_admin_is_city_scoped_and_moves_a_rider(client):
    mine, theirs = RiderFactory(name="青岛骑手"), jinan_rider(name="济南骑手")
    admin = national_admin()

    qingdao_admin = staff(CENTRE_ADMIN, qingdao())
    qingdao_admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_rider", "change_rider"])
    )
    client.force_login(qingdao_admin)
    listing = client.get(reverse("admin:riders_rider_changelist")).text
    assert "青岛骑手" in listing and "济南骑手" not in listing
    assert client.get(reverse("admin:riders_rider_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:riders_rider_move_city", args=[theirs.pk])).status_code == 404
    form = client.get(reverse("admin:riders_rider_change", args=[mine.pk])).text
    assert "历下区" not in form  # the district choices are the city's
    client.force_login(admin)
    page = client.get(reverse("admin:riders_rider_move_city", args=[mine.pk]))
    # The choices: the other cities' districts (labelled with their city), not the own city's.
    assert page.status_code == 200 and "济南 历下区" in page.text
    assert "青岛市 李沧区" not in page.text
    response = client.post(
        reverse("admin:riders_rider_move_city", args=[mine.pk]),
        {"district": jinan("lixia").pk, "reason": "家搬到济南"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.district == jinan("lixia")
    change = client.get(reverse("admin:riders_rider_change", args=[mine.pk])).text
    assert "家搬到济南" in change  # the history inline
