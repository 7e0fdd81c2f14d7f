"""requests.json from one prepared statement per shape of filters (open311/views.py): the
same rows as the filters say, names and status labels in the reader's language, and each
report's first photo."""

import datetime as dt

import pytest
from django.core import signing
from django.utils import timezone, translation

from api.serializers import PHOTO_SALT
from governance import workflow
from governance.models import Report, ReportPhoto, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, category

pytestmark = pytest.mark.django_db


def ids(client, **params) -> list[str]:
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == 200, response.content
    return [row["service_request_id"] for row in response.json()]


def test_status_labels_in_the_readers_language(client):
    department = DepartmentFactory(name="市北区城管局", name_en="Shibei Urban Management")
    workflow.route(ReportFactory(), department=department)
    for language in ("en", "zh-hans", "en"):
        [row] = client.get("/open311/v2/requests.json", HTTP_ACCEPT_LANGUAGE=language).json()
        with translation.override(language):
            assert row["status_notes"] == str(ReportStatus.ROUTED.label)
        expected = "Shibei Urban Management" if language == "en" else "市北区城管局"
        assert row["agency_responsible"] == expected


def test_the_first_photo_by_position(client):
    report = ReportFactory()
    second = ReportPhoto.objects.create(report=report, position=2, image="b.jpg", thumbnail="b")
    first = ReportPhoto.objects.create(report=report, position=1, image="a.jpg", thumbnail="a")
    ReportFactory(latitude=30)  # none: its media_url
    rows = client.get("/open311/v2/requests.json").json()
    with_photo = next(r for r in rows if r["service_request_id"] == report.public_id)
    token = with_photo["media_url"].rstrip("/").rsplit("/", 1)[-1]
    assert signing.loads(token, salt=PHOTO_SALT)["p"] == first.pk != second.pk
    assert [r["media_url"] for r in rows if r["service_request_id"] != report.public_id] == [None]


def test_every_shape_of_filters_gives_the_filters_rows(client):
    now = timezone.now()
    old = ReportFactory()
    Report.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=10))
    fire = ReportFactory(category=category("fire-hazard"), latitude=30)
    closed = ReportFactory(latitude=31)
    Report.objects.filter(pk=closed.pk).update(status=ReportStatus.INVALID, closed_at=now)
    newest_first = [closed.public_id, fire.public_id, old.public_id]
    assert ids(client) == newest_first
    assert ids(client, status="open") == [fire.public_id, old.public_id]
    assert ids(client, status="closed") == [closed.public_id]
    assert ids(client, status="open,closed") == newest_first
    assert ids(client, service_code="fire-hazard") == [fire.public_id]
    since = (now - dt.timedelta(days=1)).isoformat()
    assert ids(client, start_date=since) == [closed.public_id, fire.public_id]
    until = (now - dt.timedelta(days=5)).isoformat()
    assert ids(client, end_date=until) == [old.public_id]
    assert ids(client, page_size=1, page=2) == [fire.public_id]
    assert ids(client, page_size=2, page=2) == [old.public_id]
    assert ids(client, service_request_id=f"{old.public_id},{fire.public_id}") == [
        fire.public_id,
        old.public_id,
    ]
