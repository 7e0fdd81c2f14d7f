"""Bystanders blurred in report photos (issue 20): the blurred copy is made by the task queued
on upload (and by the sweep after a lost message), every department-facing photo URL (API,
Open311 media_url, the workbench) and every other rider is served that copy and never the
original, the reporter and the dispatcher see the original, and originals expire after the
retention period while the copy stays."""

import datetime as dt
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from api.serializers import signed_photo_url
from api.services import token_issue
from core.roles import CANTEEN_OPERATOR, CENTRE_ADMIN, DISPATCHER
from governance import services, workflow
from governance.models import (
    EvidencePhoto,
    Officer,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportSupporter,
)
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    UserFactory,
    category,
    jinan,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """The messages asserted below are the English source strings: read the pages in English
    (Chinese is the default; the translations are checked by tests/core/test_translations.py)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


FACE = Path(__file__).resolve().parents[2] / "bench" / "redaction_set" / "astronaut.jpg"


def face_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("face.jpg", FACE.read_bytes(), content_type="image/jpeg")


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing", name="李沧区住建局", name_en="Licang Housing")


def submitted(django_capture_on_commit_callbacks, *, execute: bool = True) -> Report:
    rider = RiderFactory()
    with django_capture_on_commit_callbacks(execute=execute):
        return services.report_submit(
            rider=rider,
            category=category(),
            description="楼道里堆满了纸箱",
            district=rider.district,
            latitude=Decimal("36.14"),
            longitude=Decimal("120.43"),
            photos=[face_upload()],
        )


def test_the_upload_queues_the_task_that_writes_the_blurred_copy(
    django_capture_on_commit_callbacks,
):
    report = submitted(django_capture_on_commit_callbacks)
    photo = ReportPhoto.objects.get(report=report)
    assert photo.redacted_at is not None and photo.redacted and photo.redacted_thumbnail
    faces = [box for box in photo.redaction_boxes if box["kind"] == "face"]
    assert len(faces) == 1 and faces[0]["source"] == "auto"
    original, blurred = read(photo.image), read(photo.redacted)
    assert blurred != original
    with Image.open(BytesIO(original)) as a, Image.open(BytesIO(blurred)) as b:
        assert a.size == b.size and b.format == "JPEG"
    # Running the task again (a redelivered message) changes nothing.
    name = photo.redacted.name
    assert services.photo_redact(kind="report", photo_id=photo.pk) is False
    photo.refresh_from_db()
    assert photo.redacted.name == name


def test_a_lost_message_is_picked_up_by_the_sweep(django_capture_on_commit_callbacks):
    report = submitted(django_capture_on_commit_callbacks, execute=False)  # message lost
    photo = ReportPhoto.objects.get(report=report)
    assert photo.redacted_at is None
    # Too fresh: the upload's own task may still be on its way.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.photos_unredacted_requeue() == 0
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.photos_unredacted_requeue() == 1
    photo.refresh_from_db()
    assert photo.redacted_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.photos_unredacted_requeue() == 0


def test_evidence_photos_are_blurred_too(django_capture_on_commit_callbacks, department):
    report = workflow.route(ReportFactory(), department=department)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_resolve(
            report=report, department=department, reply="已清理", photo=face_upload()
        )
    evidence = EvidencePhoto.objects.get(report=report)
    assert evidence.redacted_at is not None and read(evidence.redacted) != read(evidence.image)
    assert "evidence/" in evidence.redacted.name


def routed_with_photo(django_capture_on_commit_callbacks, department, *, blur=True) -> Report:
    report = submitted(django_capture_on_commit_callbacks, execute=blur)
    return workflow.route(report, department=department)


def test_the_department_api_serves_only_the_blurred_copy(
    django_capture_on_commit_callbacks, department
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department, blur=False)
    _token, key = token_issue(label="officer", department=department)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    detail = api.get(f"/api/v1/reports/{report.public_id}/").json()
    url, thumb = detail["photos"][0]["url"], detail["photos"][0]["thumbnail_url"]
    # Not blurred yet: no photo at all, never the original.
    assert APIClient().get(url).status_code == 404
    assert APIClient().get(thumb).status_code == 404
    photo = ReportPhoto.objects.get(report=report)
    services.photo_redact(kind="report", photo_id=photo.pk)
    photo.refresh_from_db()
    served = body(APIClient().get(url))
    assert served == read(photo.redacted) != read(photo.image)
    assert body(APIClient().get(thumb)) == read(photo.redacted_thumbnail) != read(photo.thumbnail)


def test_open311_media_url_serves_the_blurred_copy(
    client, django_capture_on_commit_callbacks, department
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department)
    photo = ReportPhoto.objects.get(report=report)
    rows = client.get("/open311/v2/requests.json").json()
    [row] = [r for r in rows if r["service_request_id"] == report.public_id]
    served = body(client.get(row["media_url"]))
    assert served == read(photo.redacted) != read(photo.image)
    [single] = client.get(f"/open311/v2/requests/{report.public_id}.json").json()
    assert body(client.get(single["media_url"])) == read(photo.redacted)


def test_the_workbench_serves_the_blurred_copy(
    client, django_capture_on_commit_callbacks, department
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department)
    photo = ReportPhoto.objects.get(report=report)
    user = UserFactory()
    Officer.objects.create(user=user, department=department)
    client.force_login(user)
    page = client.get(f"/desk/reports/{report.public_id}/")
    assert page.status_code == 200
    [shown] = page.context["photos"]
    assert body(client.get(shown["url"])) == read(photo.redacted) != read(photo.image)
    assert body(client.get(shown["thumbnail_url"])) == read(photo.redacted_thumbnail)


def test_signed_urls_for_evidence_serve_the_blurred_copy(
    rf, django_capture_on_commit_callbacks, department
):
    report = workflow.route(ReportFactory(), department=department)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_evidence_add(report=report, department=department, photo=face_upload())
    evidence = EvidencePhoto.objects.get(report=report)
    url = signed_photo_url(rf.get("/"), "evidence", evidence.pk, "full")
    assert body(APIClient().get(url)) == read(evidence.redacted) != read(evidence.image)


def test_the_reporter_sees_the_original_and_everyone_else_the_blurred_copy(
    client, django_capture_on_commit_callbacks, department
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department)
    photo = ReportPhoto.objects.get(report=report)
    url = reverse("reports:photo", args=[report.public_id, 1])
    thumb = reverse("reports:photo_thumb", args=[report.public_id, 1])
    client.force_login(report.rider.user)
    assert body(client.get(url)) == read(photo.image)
    assert body(client.get(thumb)) == read(photo.thumbnail)
    # Another rider: nothing (the report's photos are the reporter's).
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 404
    # Staff on the riders' pages: the blurred copy (the original is in the admin).
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(staff)
    assert body(client.get(url)) == read(photo.redacted)
    client.logout()
    assert client.get(url).status_code == 404


def test_riders_who_joined_see_the_blurred_evidence(
    client, django_capture_on_commit_callbacks, department
):
    report = workflow.route(ReportFactory(), department=department)
    joiner = RiderFactory()
    ReportSupporter.objects.create(report=report, rider=joiner)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_resolve(
            report=report, department=department, reply="已清理", photo=face_upload()
        )
    evidence = EvidencePhoto.objects.get(report=report)
    url = reverse("reports:evidence", args=[report.public_id, evidence.pk])
    for user in (joiner.user, report.rider.user):
        client.force_login(user)
        assert body(client.get(url)) == read(evidence.redacted) != read(evidence.image)
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 404


# --- Retention of originals --------------------------------------------------------------------


def closed_days_ago(report: Report, days: int, status=ReportStatus.CLOSED) -> None:
    Report.objects.filter(pk=report.pk).update(
        status=status, closed_at=timezone.now() - dt.timedelta(days=days)
    )


def test_originals_expire_after_the_retention_period_and_the_copy_stays(
    client, django_capture_on_commit_callbacks, department, settings
):
    settings.RETENTION_REPORT_PHOTO_ORIGINALS_DAYS = 180
    old = submitted(django_capture_on_commit_callbacks)
    recent = submitted(django_capture_on_commit_callbacks)
    reopenable = submitted(django_capture_on_commit_callbacks)
    closed_days_ago(old, 181)
    closed_days_ago(recent, 179)
    closed_days_ago(reopenable, 400, status=ReportStatus.RESOLVED)
    photo = ReportPhoto.objects.get(report=old)
    storage, original_name = photo.image.storage, photo.image.name
    blurred = read(photo.redacted)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_photo_originals_expire(timezone.now()) == 1
    photo.refresh_from_db()
    assert not photo.image and not photo.thumbnail and photo.original_deleted_at is not None
    assert not storage.exists(original_name)
    assert read(photo.redacted) == blurred
    for kept in (recent, reopenable):
        assert ReportPhoto.objects.get(report=kept).image
    # The reporter now sees the blurred copy at the same address.
    client.force_login(old.rider.user)
    assert body(client.get(reverse("reports:photo", args=[old.public_id, 1]))) == blurred
    # Idempotent.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_photo_originals_expire(timezone.now()) == 0


def test_an_expiring_original_without_its_copy_is_blurred_first(
    django_capture_on_commit_callbacks,
):
    report = submitted(django_capture_on_commit_callbacks, execute=False)
    closed_days_ago(report, 365)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_photo_originals_expire(timezone.now()) == 1
    photo = ReportPhoto.objects.get(report=report)
    assert photo.redacted and not photo.image


# --- The admin's "redact region" tool ----------------------------------------------------------


def staff_in(group: str, city=None):
    user = StaffFactory(**({"city": city} if city else {}))
    user.groups.add(Group.objects.get(name=group))
    return user


def tool(photo: ReportPhoto) -> str:
    return reverse("admin:governance_reportphoto_redact", args=[photo.pk])


def test_the_dispatcher_adds_and_removes_regions_and_the_copy_is_rebuilt(
    client, django_capture_on_commit_callbacks, department
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department)
    photo = ReportPhoto.objects.get(report=report)
    before = read(photo.redacted)
    client.force_login(staff_in(DISPATCHER))
    page = client.get(tool(photo))
    assert page.status_code == 200
    html = page.content.decode()
    assert "js/redact-region.js" in html and "nonce=" in html and "data-redact-canvas" in html
    # The original for the dispatcher.
    original = client.get(reverse("admin:governance_reportphoto_original", args=[photo.pk]))
    assert body(original) == read(photo.image)
    # Drop the detected face, draw one region by hand.
    drawn = '[{"x": 0.05, "y": 0.6, "w": 0.2, "h": 0.2}]'
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(tool(photo), {"boxes": drawn})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.redaction_boxes == [
        {"x": 0.05, "y": 0.6, "w": 0.2, "h": 0.2, "kind": "manual", "source": "manual"}
    ]
    assert read(photo.redacted) != before
    entry = LogEntry.objects.get_for_object(photo).latest("timestamp")
    assert "redaction_boxes" in entry.changes_dict


@pytest.mark.parametrize(
    ("boxes", "message"),
    [("not json", "not valid JSON"), ('{"x": 1}', "must be a list"), ('[{"x": 0.1}]', "valid")],
)
def test_bad_regions_are_refused_and_nothing_changes(
    client, django_capture_on_commit_callbacks, department, boxes, message
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department)
    photo = ReportPhoto.objects.get(report=report)
    kept = (photo.redacted.name, photo.redaction_boxes)
    client.force_login(staff_in(DISPATCHER))
    response = client.post(tool(photo), {"boxes": boxes})
    assert response.status_code == 200 and message in response.content.decode()
    photo.refresh_from_db()
    assert (photo.redacted.name, photo.redaction_boxes) == kept


def test_only_dispatchers_and_centre_admins_of_the_city_use_the_tool(
    client, django_capture_on_commit_callbacks, department
):
    report = routed_with_photo(django_capture_on_commit_callbacks, department)
    photo = ReportPhoto.objects.get(report=report)
    client.force_login(staff_in(CENTRE_ADMIN))
    assert client.get(tool(photo)).status_code == 200
    # Another city's dispatcher: the photo does not exist for them.
    client.force_login(staff_in(DISPATCHER, city=jinan()))
    assert client.get(tool(photo)).status_code == 404
    original = reverse("admin:governance_reportphoto_original", args=[photo.pk])
    assert client.get(original).status_code == 404
    # Another role: refused.
    client.force_login(staff_in(CANTEEN_OPERATOR))
    assert client.get(tool(photo)).status_code == 403
    assert client.post(tool(photo), {"boxes": "[]"}).status_code == 403
    # A department's officer is no staff: the admin's sign-in page, not the photo.
    officer = UserFactory()
    Officer.objects.create(user=officer, department=department)
    client.force_login(officer)
    response = client.get(tool(photo))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(original).status_code == 302


def test_the_photo_list_costs_the_same_queries_at_two_sizes(
    client, django_assert_num_queries, django_assert_max_num_queries, department
):
    client.force_login(staff_in(DISPATCHER))
    url = reverse("admin:governance_reportphoto_changelist")

    def make(count: int) -> None:
        for _ in range(count):
            ReportPhoto.objects.create(
                report=ReportFactory(),
                position=1,
                image=ContentFile(jpeg_bytes(), name="p.jpg"),
                thumbnail=ContentFile(jpeg_bytes(size=(100, 75)), name="t.jpg"),
            )

    make(1)
    client.get(url)  # warm the per-process caches
    with django_assert_max_num_queries(50) as first:
        assert client.get(url).status_code == 200
    make(9)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


# --- The riders' answers: photos with a check of the fix and with an answer to a question ------


def test_a_riders_check_photo_reaches_the_department_blurred(
    django_capture_on_commit_callbacks, department, rf
):
    report = workflow.route(ReportFactory(), department=department)
    services.report_resolve(report=report, department=department, reply="已清理")
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.report_check(
            rider=report.rider,
            report=Report.objects.get(pk=report.pk),
            outcome="not_fixed",
            satisfaction="dissatisfied",
            photo=face_upload(),
        )
    answer.refresh_from_db()
    assert answer.redacted_at is not None and "answers/" in answer.redacted.name
    url = signed_photo_url(rf.get("/"), "answer", answer.pk, "full")
    assert body(APIClient().get(url)) == read(answer.redacted) != read(answer.photo)


def test_a_photo_answering_a_departments_question_reaches_it_blurred(
    django_capture_on_commit_callbacks, department, rf
):
    report = workflow.route(ReportFactory(), department=department)
    services.report_ask(report=report, department=department, question="在几单元？")
    with django_capture_on_commit_callbacks(execute=False):  # the message is lost
        question = services.question_answer(
            rider=report.rider, report=report, text="3单元", photo=face_upload()
        )
    url = signed_photo_url(rf.get("/"), "question", question.pk, "full")
    assert APIClient().get(url).status_code == 404  # not yet blurred: nothing
    type(question).objects.filter(pk=question.pk).update(
        answered_at=timezone.now() - dt.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.photos_unredacted_requeue() == 1  # the sweep finds it
    question.refresh_from_db()
    assert body(APIClient().get(url)) == read(question.redacted) != read(question.photo)
