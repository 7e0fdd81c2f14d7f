"""Me → My data: who may see and download what; the page's queries stay constant."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from mydata.models import CorrectionRequest, DataExport
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """The messages asserted below are the English source strings: read the pages in English
    (Chinese is the default; the translations are checked by tests/core/test_translations.py)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def ready_export(rider, *, hours_left: float = 23) -> DataExport:
    now = timezone.now()
    export = DataExport(
        rider=rider,
        status="ready",
        ready_at=now - dt.timedelta(hours=24 - hours_left),
        expires_at=now + dt.timedelta(hours=hours_left),
        size=4,
    )
    export.file.save("x.zip", ContentFile(b"PK\x03\x04"), save=False)
    export.save()
    return export


def test_the_owner_downloads_their_export(client):
    rider = RiderFactory()
    export = ready_export(rider)
    client.force_login(rider.user)
    page = client.get(reverse("mydata:index")).content.decode()
    assert reverse("mydata:export_download", args=[export.pk]) in page
    response = client.get(reverse("mydata:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"PK\x03\x04"


def test_another_rider_gets_404_and_anonymous_goes_to_sign_in(client):
    export = ready_export(RiderFactory())
    url = reverse("mydata:export_download", args=[export.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("riders:sign_in"))
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(url).status_code == 403  # staff: no rider, no portal page


def test_an_expired_export_says_so(client):
    rider = RiderFactory()
    export = ready_export(rider, hours_left=-1)  # past its 24 hours, the sweep not run yet
    client.force_login(rider.user)
    response = client.get(reverse("mydata:export_download", args=[export.pk]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    page = client.get(reverse("mydata:index")).content.decode()
    assert reverse("mydata:export_download", args=[export.pk]) not in page
    DataExport.objects.filter(pk=export.pk).update(status="expired", file="")
    assert client.get(reverse("mydata:export_download", args=[export.pk])).status_code == 410


def test_an_export_not_built_yet_is_not_found(client):
    rider = RiderFactory()
    export = DataExport.objects.create(rider=rider)
    client.force_login(rider.user)
    assert client.get(reverse("mydata:export_download", args=[export.pk])).status_code == 404


def test_the_button_queues_one_export(client, django_capture_on_commit_callbacks):
    rider = RiderFactory()
    client.force_login(rider.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mydata:export_request"), follow=True)
    assert response.status_code == 200
    assert DataExport.objects.get(rider=rider).status == "ready"
    # While one is on its way (its task not run yet), a second click adds nothing.
    client.post(reverse("mydata:export_request"))
    response = client.post(reverse("mydata:export_request"), follow=True)
    assert "being prepared already" in response.content.decode()
    assert DataExport.objects.filter(rider=rider, status="queued").count() == 1
    DataExport.objects.filter(rider=rider, status="queued").update(status="failed")
    # The day's limit (3) counts every request.
    client.post(reverse("mydata:export_request"))
    DataExport.objects.filter(rider=rider, status="queued").update(status="failed")
    response = client.post(reverse("mydata:export_request"), follow=True)
    assert "times a day" in response.content.decode()
    assert DataExport.objects.filter(rider=rider).count() == 3


def test_anonymous_cannot_ask(client):
    assert client.post(reverse("mydata:export_request")).status_code == 302
    assert not DataExport.objects.exists()


def test_the_rider_asks_for_a_correction_and_only_they_see_it(client):
    rider = RiderFactory(station="旧站")
    client.force_login(rider.user)
    response = client.post(
        reverse("mydata:correction_request"),
        {"field": "station", "requested_value": "新站", "note": "上月调站"},
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert (request.rider, request.current_value, request.requested_value) == (
        rider,
        "旧站",
        "新站",
    )
    assert "新站" in client.get(reverse("mydata:index")).content.decode()
    client.force_login(RiderFactory().user)
    assert "新站" not in client.get(reverse("mydata:index")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"field": "phone", "requested_value": "1"}, "field"),
        ({"field": "name", "requested_value": ""}, "__all__"),
        ({"field": "name", "requested_value": "x" * 101}, "requested_value"),
    ],
)
def test_a_bad_correction_is_a_clear_error(client, data, message):
    client.force_login(RiderFactory().user)
    response = client.post(reverse("mydata:correction_request"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [message]
    assert errors[message][0] in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_a_second_open_request_for_the_same_field_is_refused(client):
    client.force_login(RiderFactory().user)
    data = {"field": "name", "requested_value": "王小明"}
    client.post(reverse("mydata:correction_request"), data)
    response = client.post(reverse("mydata:correction_request"), data)
    assert response.status_code == 400
    assert "already" in response.content.decode()
    assert CorrectionRequest.objects.count() == 1


def test_the_page_uses_a_constant_number_of_queries(client, django_assert_max_num_queries):
    rider = RiderFactory()
    client.force_login(rider.user)
    fields = ["name", "station", "district", "gender", "joined_on"]
    for exports, requests in ((1, 1), (5, 5)):
        DataExport.objects.filter(rider=rider).delete()
        CorrectionRequest.objects.filter(rider=rider).delete()
        for _n in range(exports):
            ready_export(rider)
        for field in fields[:requests]:
            CorrectionRequest.objects.create(rider=rider, field=field, requested_value="x")
        with django_assert_max_num_queries(6):
            assert client.get(reverse("mydata:index")).status_code == 200
