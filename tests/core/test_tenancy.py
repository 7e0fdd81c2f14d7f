"""Cities as tenants (core/tenancy.py, core/admin_tenancy.py): staff see their own city, a
national admin every city, staff without a city nothing; another city's object is a 404 in the
admin; a city's configuration falls back to the deployment's defaults."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.models import City, District, User
from core.roles import CENTRE_ADMIN, NATIONAL_ADMIN
from core.tenancy import city_filter, may_see, sees_all_cities, staff_city_id
from tests.factories import RiderFactory, StaffFactory, jinan, qingdao

pytestmark = pytest.mark.django_db


def staff(role: str, city: City | None) -> User:
    user = StaffFactory(city=city)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_staff_see_their_city_a_national_admin_every_city_and_no_city_nothing():
    jinan()
    districts = District.objects.all()
    qingdao_admin = staff(CENTRE_ADMIN, qingdao())
    jinan_admin = staff(CENTRE_ADMIN, jinan())
    national = staff(NATIONAL_ADMIN, None)
    cityless = staff(CENTRE_ADMIN, None)

    assert {d.city.code for d in city_filter(districts, qingdao_admin)} == {"qingdao"}
    assert {d.code for d in city_filter(districts, jinan_admin)} == {"lixia", "shizhong"}
    assert city_filter(districts, national).count() == districts.count()
    assert not city_filter(districts, cityless).exists()
    assert sees_all_cities(national) and not sees_all_cities(qingdao_admin)
    assert staff_city_id(national) is None and staff_city_id(jinan_admin) == jinan().pk
    assert may_see(qingdao_admin, qingdao()) and not may_see(qingdao_admin, jinan("lixia"))


def test_admin_lists_only_the_city_and_another_citys_object_is_404(client):
    lixia = jinan("lixia")
    admin = staff(CENTRE_ADMIN, qingdao())
    client.force_login(admin)

    listing = client.get("/admin/core/district/")
    assert listing.status_code == 200
    assert "李沧区" in listing.text and "历下区" not in listing.text
    for view in ("change", "history"):
        assert client.get(f"/admin/core/district/{lixia.pk}/{view}/").status_code == 404
    assert client.get(f"/admin/core/city/{jinan().pk}/change/").status_code == 404
    own = District.objects.get(code="licang")
    assert client.get(f"/admin/core/district/{own.pk}/change/").status_code == 200


def test_a_city_admin_cannot_move_a_district_to_another_city_nor_add_a_city(client):
    jinan()
    admin = staff(CENTRE_ADMIN, qingdao())
    client.force_login(admin)
    own = District.objects.get(code="licang")
    page = client.get(f"/admin/core/district/{own.pk}/change/")
    assert "济南" not in page.text  # not among the city choices

    form = {
        "city": jinan().pk,
        "code": own.code,
        "name": own.name,
        "name_en": own.name_en,
        "alias": own.alias,
        "latitude": own.latitude,
        "longitude": own.longitude,
        "sort_order": own.sort_order,
    }
    response = client.post(f"/admin/core/district/{own.pk}/change/", form)
    assert response.status_code == 200  # the form again, with the error
    own.refresh_from_db()
    assert own.city == qingdao()
    assert client.get("/admin/core/city/add/").status_code == 403


def test_a_national_admin_sees_every_city_with_a_filter(client):
    jinan()
    client.force_login(staff(NATIONAL_ADMIN, None))
    listing = client.get("/admin/core/district/")
    assert "李沧区" in listing.text and "历下区" in listing.text
    assert "?city__id__exact=" in listing.text
    assert client.get("/admin/core/city/add/").status_code == 200


def test_users_admin_shows_the_citys_staff_and_riders_only(client):
    jinan_rider = RiderFactory(district=jinan("lixia"))
    qingdao_rider = RiderFactory()
    jinan_staff = StaffFactory(city=jinan())
    admin = staff(CENTRE_ADMIN, qingdao())
    admin.user_permissions.add(Permission.objects.get(codename="view_user"))  # given by hand
    client.force_login(admin)
    listing = client.get("/admin/core/user/")
    assert qingdao_rider.user.username in listing.text
    assert jinan_rider.user.username not in listing.text
    assert jinan_staff.username not in listing.text
    assert client.get(f"/admin/core/user/{jinan_staff.pk}/change/").status_code == 404


def test_city_settings_fall_back_to_the_deployment_and_are_checked(settings):
    settings.CANTEEN_SUBSIDISED_MEALS_PER_DAY = 2
    settings.SERVICE_CIRCLE_METRES = 1200
    settings.SMS_SIGN_NAME = "骑手之家"
    city = jinan()
    assert (city.meals_per_day, city.circle_metres, city.sign_name) == (2, 1200, "骑手之家")
    city.subsidised_meals_per_day, city.service_circle_m, city.sms_sign_name = 1, 2000, "济南骑手"
    assert (city.meals_per_day, city.circle_metres, city.sign_name) == (1, 2000, "济南骑手")

    city.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError, match="time_zone"):
        city.full_clean()
    for field, value in (("subsidised_meals_per_day", 11), ("service_circle_m", 50)):
        with pytest.raises(IntegrityError), transaction.atomic():
            City.objects.filter(pk=city.pk).update(**{field: value})


def test_the_national_admin_role_has_what_a_centre_admin_has():
    national = set(Group.objects.get(name=NATIONAL_ADMIN).permissions.all())
    centre = set(Group.objects.get(name=CENTRE_ADMIN).permissions.all())
    assert centre and national > centre
    assert {p.codename for p in national - centre} == {
        "add_city",
        "delete_city",
        "delete_district",
        "add_user",
        "change_user",
        "view_user",
    }


def test_list_filters_offer_the_citys_rows_only(client):
    """The sidebar of a change list names no other city's row (core/admin_tenancy.py)."""
    jinan()
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    # The apartments list filters by district: Qingdao's, never Jinan's.
    listing = client.get("/admin/apartments/apartment/")
    assert listing.status_code == 200
    assert "李沧区" in listing.text and "历下区" not in listing.text


# --- Each city's clock (City.time_zone) -------------------------------------------------------


def _move_clock(city, name: str) -> None:
    city.time_zone = name
    city.save(update_fields=["time_zone"])


def test_a_rider_reads_times_in_their_citys_zone_from_sign_in(client):
    """Urumqi time is UTC+6, Beijing time UTC+8: the same report, two hours apart."""
    from datetime import UTC, datetime

    from governance.models import Report
    from tests.cities import jinan_rider, rider_client
    from tests.factories import ReportFactory

    moment = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    rider = jinan_rider()
    report = ReportFactory(rider=rider, district=rider.district)
    Report.objects.filter(pk=report.pk).update(created_at=moment)
    rider_client(client, rider)
    assert "2026-12-01 12:00" in client.get("/reports/").content.decode()

    _move_clock(rider.district.city, "Asia/Urumqi")
    client.logout()
    rider_client(client, rider)  # the zone is looked up at sign-in
    body = client.get("/reports/").content.decode()
    assert "2026-12-01 10:00" in body and "2026-12-01 12:00" not in body


def test_staff_read_times_in_their_citys_zone_and_it_ends_with_the_request(client, settings):
    from django.utils import timezone

    from core.middleware import CityTimeMiddleware
    from core.tenancy import SESSION_TIME_ZONE

    city = jinan()
    _move_clock(city, "Asia/Urumqi")
    client.force_login(staff(CENTRE_ADMIN, city))
    assert client.session[SESSION_TIME_ZONE] == "Asia/Urumqi"
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    assert client.session[SESSION_TIME_ZONE] == "Asia/Shanghai"

    seen = []
    middleware = CityTimeMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name())
    )
    request = client.get("/healthz").wsgi_request
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "x"
    request.session[SESSION_TIME_ZONE] = "Asia/Urumqi"
    middleware(request)
    assert seen == ["Asia/Urumqi"]
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_a_request_without_a_session_cookie_reads_no_session(rf):
    from core.middleware import CityTimeMiddleware

    class Untouchable:
        def get(self, key, default=None):
            raise AssertionError("the session was read")

    request = rf.get("/open311/v2/services.json")
    request.session = Untouchable()
    CityTimeMiddleware(lambda request: None)(request)


def test_a_form_that_picks_an_account_offers_the_citys_accounts_only(rf):
    """An officer's account, an apartment's manager: another city's staff or riders are not a
    choice, so their posted id is refused like any invalid choice."""
    from django.contrib import admin

    from governance.models import Officer
    from tests.cities import jinan_rider

    qingdao_staff = staff(CENTRE_ADMIN, qingdao())
    jinan_staff = staff(CENTRE_ADMIN, jinan())
    qingdao_rider, other_rider = RiderFactory(), jinan_rider()
    national = staff(NATIONAL_ADMIN, None)

    request = rf.get("/admin/governance/officer/add/")
    request.user = qingdao_staff
    form = admin.site._registry[Officer].get_form(request)()
    choices = set(form.fields["user"].queryset)
    assert {qingdao_staff, qingdao_rider.user} <= choices
    assert not {jinan_staff, other_rider.user, national} & choices

    bound = admin.site._registry[Officer].get_form(request)(data={"user": jinan_staff.pk})
    assert not bound.is_valid() and "user" in bound.errors

    request.user = national
    choices = set(admin.site._registry[Officer].get_form(request)().fields["user"].queryset)
    assert {qingdao_staff, jinan_staff, other_rider.user} <= choices
