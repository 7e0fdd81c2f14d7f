"""Idempotency-Key: tied to a fingerprint of the request (method, path, body), replayed only
for the same request, refused (422) for another, purged after IDEMPOTENCY_KEY_TTL_HOURS."""

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api import tasks
from api.models import IdempotencyRecord
from api.services import idempotency_records_purge, token_issue
from governance import workflow
from governance.models import ReportEvent
from tests.factories import DepartmentFactory, ReportFactory, photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory()


def client_for(department) -> APIClient:
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(department):
    return client_for(department)


@pytest.fixture
def report(department):
    return workflow.route(ReportFactory(), department=department)


def comment(api, report, body, key="k-1", **extra):
    return api.post(
        f"/api/v1/reports/{report.public_id}/comments/",
        body,
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def comments(report) -> int:
    return report.events.filter(kind=ReportEvent.Kind.COMMENT).count()


def test_same_key_same_body_replays_the_first_response(api, report):
    first = comment(api, report, {"text": "明天处理"}, format="json")
    # The same body with other field order and whitespace is the same request.
    again = api.generic(
        "POST",
        f"/api/v1/reports/{report.public_id}/comments/",
        '{  "text" :"明天处理"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert comments(report) == 1


def test_same_key_different_body_is_a_422_with_a_clear_message(api, report):
    assert comment(api, report, {"text": "明天处理"}, format="json").status_code == 201
    response = comment(api, report, {"text": "今天处理"}, format="json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "another body" in error["message"] and "new key" in error["message"]
    assert comments(report) == 1


def test_same_key_on_another_endpoint_is_a_422(api, report):
    comment(api, report, {"text": "x"}, format="json")
    response = api.post(
        f"/api/v1/reports/{report.public_id}/acknowledge/",
        {"text": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 422
    assert report.events.filter(kind="acknowledged").count() == 0


def test_form_and_multipart_bodies_are_fingerprinted_by_content(api, report):
    url = f"/api/v1/reports/{report.public_id}/resolve/"
    first = api.post(
        url,
        {"note": "已清理", "photo": photo_upload()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    assert first.status_code == 200, first.content
    again = api.post(
        url,
        {"note": "已清理", "photo": photo_upload()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    other_photo = api.post(
        url,
        {"note": "已清理", "photo": photo_upload(color="blue")},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    assert other_photo.status_code == 422


def test_keys_belong_to_one_token(department, report):
    owner, outsider = client_for(department), client_for(department)
    assert comment(owner, report, {"text": "a"}, format="json").status_code == 201
    # Another token's identical key is its own: no replay of the owner's response, no 422.
    response = comment(outsider, report, {"text": "b"}, format="json")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert comments(report) == 2


@pytest.mark.parametrize("key", ["x" * 101, "ключ", "a\tb"])
def test_a_malformed_key_is_a_400(api, report, key):
    response = comment(api, report, {"text": "a"}, key=key, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert comments(report) == 0


def test_an_expired_record_is_forgotten(api, report):
    comment(api, report, {"text": "a"}, format="json")
    IdempotencyRecord.objects.update(
        created_at=timezone.now()
        - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=1)
    )
    response = comment(api, report, {"text": "b"}, format="json")
    assert response.status_code == 201 and comments(report) == 2
    assert IdempotencyRecord.objects.get().fingerprint  # the new request's record


def test_a_record_from_before_fingerprints_still_replays(api, report):
    comment(api, report, {"text": "a"}, format="json")
    IdempotencyRecord.objects.update(fingerprint="")
    response = comment(api, report, {"text": "a"}, format="json")
    assert response.status_code == 201 and response["Idempotent-Replayed"] == "true"


def test_purge_deletes_only_old_records(api, report, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    comment(api, report, {"text": "old"}, key="old", format="json")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    comment(api, report, {"text": "new"}, key="new", format="json")
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_purge_task_and_command(api, report):
    comment(api, report, {"text": "old"}, key="old", format="json")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=30))
    assert tasks.purge_idempotency_records.apply().get() == 1
    comment(api, report, {"text": "old"}, key="old-2", format="json")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=30))
    out = StringIO()
    call_command("purge_idempotency_records", stdout=out)
    assert out.getvalue().strip() == "1 records deleted."
    assert not IdempotencyRecord.objects.exists()


def test_beat_purges_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-idempotency-records"]
    assert entry["task"] == "api.tasks.purge_idempotency_records"
