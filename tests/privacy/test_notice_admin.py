"""The admin: publishing a version (national admins), acceptances and consents read-only and
city by city (another city's staff: a 404, as if it did not exist)."""

import pytest
from django.urls import reverse

from core.roles import CENTRE_ADMIN
from privacy import services
from privacy.models import ConsentChoice, ConsentEvent, NoticeAcceptance, PrivacyNotice
from privacy.selectors import current_version, current_version_forget
from tests.cities import jinan_rider, national_admin, staff
from tests.factories import RiderFactory, StaffFactory, jinan, qingdao

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_notice_version():
    current_version_forget()
    yield
    current_version_forget()


@pytest.fixture
def riders():
    qd = RiderFactory(name="青岛骑手", rider_number="QD0000001", consents=())
    jn = jinan_rider(name="济南骑手", rider_number="JN0000001", consents=())
    for rider in (qd, jn):
        services.consents_set(rider=rider, choices={"sms_notices": False})
    return qd, jn


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def list_url(model) -> str:
    return reverse(f"admin:privacy_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", [NoticeAcceptance, ConsentChoice, ConsentEvent])
def test_a_citys_admin_sees_their_citys_rows_only(client, riders, model):
    qd, jn = riders
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    page = client.get(list_url(model)).content.decode()
    assert "青岛骑手" in page and "济南骑手" not in page
    theirs = model.objects.get(rider=jn)
    assert client.get(change_url(theirs)).status_code == 404
    mine = model.objects.get(rider=qd)
    assert client.get(change_url(mine)).status_code == 200


@pytest.mark.parametrize("model", [NoticeAcceptance, ConsentChoice, ConsentEvent])
def test_nobody_edits_or_deletes_a_riders_acts(client, riders, model):
    client.force_login(national_admin())
    row = model.objects.get(rider=riders[0])
    page = client.get(change_url(row)).content.decode()
    assert 'name="_save"' not in page
    meta = model._meta
    delete = reverse(f"admin:privacy_{meta.model_name}_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    add = reverse(f"admin:privacy_{meta.model_name}_add")
    assert client.get(add).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_a_national_admin_sees_every_city_and_searches_by_rider_number(client, riders):
    client.force_login(national_admin())
    page = client.get(list_url(NoticeAcceptance), {"q": "JN0000001"}).content.decode()
    assert "济南骑手" in page and "青岛骑手" not in page


def test_a_national_admin_publishes_a_version_and_everyone_accepts_again(client, riders):
    admin = national_admin()
    client.force_login(admin)
    add = reverse("admin:privacy_privacynotice_add")
    response = client.post(add, {"changes": "新增荣誉榜选项", "changes_en": "Honour roll option"})
    assert response.status_code == 302
    notice = PrivacyNotice.objects.get(version=2)
    assert (notice.changes, notice.published_by) == ("新增荣誉榜选项", admin)
    assert current_version() == 2
    # Published: it never changes.
    client.post(change_url(notice), {"changes": "改写"})
    notice.refresh_from_db()
    assert notice.changes == "新增荣誉榜选项"
    rider_client = client.__class__()
    rider_client.force_login(riders[0].user, backend="riders.auth.RiderSessionBackend")
    assert rider_client.get("/me/").url.startswith("/privacy/accept/")


def test_a_centre_admin_may_read_the_notices_but_not_publish(client):
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    assert client.get(reverse("admin:privacy_privacynotice_changelist")).status_code == 200
    add = reverse("admin:privacy_privacynotice_add")
    assert client.post(add, {"changes": "偷偷改"}).status_code == 403
    assert not PrivacyNotice.objects.filter(version=2).exists()


def test_staff_without_a_role_see_nothing(client, riders):
    client.force_login(StaffFactory(city=jinan()))
    assert client.get(list_url(NoticeAcceptance)).status_code == 403
