"""The rider admin: masked phones, search, filters, tier history, actions, roster upload."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import User
from riders.models import Rider, TierPeriod
from tests.admin_actions import offered_actions
from tests.factories import RiderFactory, StaffFactory, qingdao_district

pytestmark = pytest.mark.django_db
LIST = reverse("admin:riders_rider_changelist")
IMPORT = reverse("admin:riders_rider_import")


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    return client


def test_list_masks_phone_numbers(admin_client):
    rider = RiderFactory(phone="13812341234")
    page = admin_client.get(LIST).content.decode()
    assert "138****1234" in page
    assert "13812341234" not in page
    assert rider.rider_number in page


def test_search_by_rider_number_and_name(admin_client):
    wang = RiderFactory(name="王大锤", rider_number="QD777001")
    li = RiderFactory(name="李小花", rider_number="QD777002")
    page = admin_client.get(LIST, {"q": "QD777001"}).content.decode()
    assert wang.rider_number in page and li.rider_number not in page
    page = admin_client.get(LIST, {"q": "小花"}).content.decode()
    assert li.rider_number in page and wang.rider_number not in page


def test_filters_by_district_tier_and_active(admin_client):
    licang = RiderFactory(district=qingdao_district("李沧区"), tier="regular")
    shinan = RiderFactory(district=qingdao_district("市南区"), tier="honour", is_active=False)
    page = admin_client.get(LIST, {"district__id__exact": licang.district_id}).content.decode()
    assert licang.rider_number in page and shinan.rider_number not in page
    page = admin_client.get(LIST, {"tier__exact": "honour"}).content.decode()
    assert shinan.rider_number in page and licang.rider_number not in page
    page = admin_client.get(LIST, {"is_active__exact": "0"}).content.decode()
    assert shinan.rider_number in page and licang.rider_number not in page


def test_list_uses_constant_queries(admin_client, django_assert_max_num_queries):
    for size in (2, 60):
        RiderFactory.create_batch(size)
        with django_assert_max_num_queries(12):
            assert admin_client.get(LIST).status_code == 200


def test_changing_the_tier_in_the_form_writes_history(admin_client):
    rider = RiderFactory(tier="regular")
    url = reverse("admin:riders_rider_change", args=[rider.pk])
    data = {
        "rider_number": rider.rider_number,
        "name": rider.name,
        "phone": rider.phone,
        "district": rider.district_id,
        "station": rider.station,
        "joined_on": rider.joined_on.isoformat(),
        "tier": "captain",
        "is_active": "on",
        "tier_periods-TOTAL_FORMS": "1",
        "tier_periods-INITIAL_FORMS": "1",
        "tier_periods-MIN_NUM_FORMS": "0",
        "tier_periods-MAX_NUM_FORMS": "1000",
        "tier_periods-0-id": rider.tier_periods.get().pk,
        "tier_periods-0-rider": rider.pk,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rider.refresh_from_db()
    assert rider.tier == "captain"
    assert list(rider.tier_periods.order_by("started_on").values_list("tier", flat=True)) == [
        "regular",
        "captain",
    ]


def test_adding_a_rider_creates_the_account_and_first_tier_period(admin_client):
    response = admin_client.post(
        reverse("admin:riders_rider_add"),
        {
            "rider_number": "QD888001",
            "name": "新骑手",
            "phone": "13988880001",
            "district": qingdao_district().pk,
            "station": "站",
            "joined_on": "2025-01-01",
            "tier": "honour",
            "is_active": "on",
            "tier_periods-TOTAL_FORMS": "0",
            "tier_periods-INITIAL_FORMS": "0",
            "tier_periods-MIN_NUM_FORMS": "0",
            "tier_periods-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rider = Rider.objects.get(rider_number="QD888001")
    assert rider.user.username == "rider-QD888001"
    assert TierPeriod.objects.get(rider=rider).tier == "honour"


def test_activate_and_deactivate_actions(admin_client):
    riders = RiderFactory.create_batch(2)
    admin_client.post(LIST, {"action": "deactivate", "_selected_action": [r.pk for r in riders]})
    assert not Rider.objects.filter(is_active=True).exists()
    admin_client.post(LIST, {"action": "activate", "_selected_action": [riders[0].pk]})
    assert list(Rider.objects.filter(is_active=True)) == [riders[0]]


def roster_file(content: bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_page_imports_and_reports(admin_client):
    content = (
        "rider_number,name,phone,district,station,join_date,tier\n"
        "QD900001,甲,13990000001,李沧区,站,2024-01-01,regular\n"
        "QD900002,乙,bad,李沧区,站,2024-01-01,regular\n"
    ).encode()
    response = admin_client.post(IMPORT, {"roster": roster_file(content)})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.created == 1 and [b.line for b in report.bad_rows] == [3]
    assert Rider.objects.filter(rider_number="QD900001").exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"", "empty.csv"), ("rider_number\n".encode("utf-16"), "u16.csv"), (b"x", "roster.xlsx")],
    ids=["empty", "undecodable", "wrong-type"],
)
def test_import_page_explains_a_bad_file_and_imports_nothing(admin_client, content, name):
    response = admin_client.post(IMPORT, {"roster": roster_file(content, name)})
    assert response.status_code == 200
    assert response.context["form"].errors["roster"]
    assert response.context["report"] is None
    assert not Rider.objects.exists()


def test_import_page_needs_rider_permissions(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 403
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_rider", "change_rider", "view_rider"])
    )
    staff = User.objects.get(pk=staff.pk)
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 200


def test_activation_goes_through_the_service(admin_client, monkeypatch):
    """The actions used to update the rows directly, around riders.services.rider_set_active."""
    from riders import services

    calls = []
    real = services.rider_set_active

    def spy(*, rider, is_active):
        calls.append((rider.pk, is_active))
        return real(rider=rider, is_active=is_active)

    monkeypatch.setattr(services, "rider_set_active", spy)
    active, inactive = RiderFactory(), RiderFactory(is_active=False)
    admin_client.post(LIST, {"action": "deactivate", "_selected_action": [active.pk, inactive.pk]})
    assert calls == [(active.pk, False)]  # the inactive one is left alone


def test_view_only_staff_cannot_activate_riders(client):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_rider"))
    rider = RiderFactory(is_active=False)
    client.force_login(viewer)
    page = client.get(LIST)
    assert page.status_code == 200
    offered = offered_actions(page)
    assert "activate" not in offered and "deactivate" not in offered
    client.post(LIST, {"action": "activate", "_selected_action": [rider.pk]})
    rider.refresh_from_db()
    assert not rider.is_active
