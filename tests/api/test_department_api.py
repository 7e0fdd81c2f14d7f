"""Department REST API: tokens, scoping, no personal data, transitions, errors, retries, limits."""

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from api.models import ApiToken, token_digest
from api.services import token_issue, token_revoke
from core.models import Notification
from governance import services, workflow
from governance.models import EvidencePhoto, Report, ReportEvent
from tests.factories import DepartmentFactory, ReportFactory, category, photo_upload, photos_redact

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing", name="李沧区住建局")


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer 1", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def routed(department, **kwargs) -> Report:
    return workflow.route(ReportFactory(**kwargs), department=department)


def assert_no_personal_data(response, *reports):
    text = json.dumps(response.json(), ensure_ascii=False)
    for report in reports:
        rider = report.rider
        assert rider.phone not in text and rider.name not in text and rider.rider_number not in text


def test_key_is_stored_hashed_and_shown_once(department):
    out = StringIO()
    call_command(
        "issue_api_token",
        "--department",
        department.code,
        "--name",
        "desk 2",
        stdout=out,
        stderr=StringIO(),
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get(label="desk 2")
    assert token.key_hash == token_digest(key) and key not in (token.prefix + token.key_hash)
    assert token.prefix == key[:8]
    out = StringIO()
    call_command("issue_api_token", "--integration", "rider app", stdout=out, stderr=StringIO())
    assert ApiToken.objects.get(label="rider app").kind == "integration"
    with pytest.raises(CommandError):
        call_command("issue_api_token", "--department", "nope", "--name", "x", stdout=StringIO())


def test_missing_bad_and_revoked_tokens_are_refused(department):
    token, key = token_issue(label="x", department=department)
    client = APIClient()
    response = client.get("/api/v1/reports/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/v1/reports/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/reports/").status_code == 200
    token_revoke(token=token)
    assert client.get("/api/v1/reports/").status_code == 401


def test_integration_keys_cannot_use_the_department_api():
    _token, key = token_issue(label="rider app", integration=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/reports/").status_code == 403


def test_a_department_sees_only_its_own_reports(api, department):
    mine = routed(department)
    theirs = routed(DepartmentFactory(), latitude=37)
    response = api.get("/api/v1/reports/")
    assert [r["id"] for r in response.json()["results"]] == [mine.public_id]
    assert api.get(f"/api/v1/reports/{theirs.public_id}/").status_code == 404
    assert api.post(f"/api/v1/reports/{theirs.public_id}/acknowledge/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "routed"


def test_no_personal_data_in_any_response(api, department):
    report = routed(department)
    assert_no_personal_data(api.get("/api/v1/reports/"), report)
    detail = api.get(f"/api/v1/reports/{report.public_id}/")
    assert_no_personal_data(detail, report)
    assert len(detail.json()["reporter"]) == 12
    assert_no_personal_data(api.post(f"/api/v1/reports/{report.public_id}/acknowledge/"), report)


def test_filters_and_due_time_ordering(api, department):
    late = routed(department, category=category("fire-hazard"))  # 12 h: due first
    early = routed(department, latitude=36.5)
    services.report_deadlines_sweep(now=late.due_at)
    ids = [r["id"] for r in api.get("/api/v1/reports/").json()["results"]]
    assert ids == [late.public_id, early.public_id]
    assert [r["id"] for r in api.get("/api/v1/reports/?overdue=true").json()["results"]] == [
        late.public_id
    ]
    assert [
        r["id"] for r in api.get("/api/v1/reports/?category=stairwell-clutter").json()["results"]
    ] == [early.public_id]
    assert api.get("/api/v1/reports/?district=shinan").json()["results"] == []
    assert api.get("/api/v1/reports/?status=acknowledged").json()["results"] == []
    assert api.get("/api/v1/reports/?updated_since=2999-01-01T00:00:00Z").json()["results"] == []
    bad = api.get("/api/v1/reports/?status=nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_cursor_pagination(api, department):
    for n in range(5):
        routed(department, latitude=30 + n)
    first = api.get("/api/v1/reports/?page_size=2").json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_acknowledge_resolve_with_photo_and_the_rider_sees_it(api, department):
    report = routed(department)
    response = api.post(
        f"/api/v1/reports/{report.public_id}/acknowledge/", {"note": "已派人"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    response = api.post(
        f"/api/v1/reports/{report.public_id}/resolve/",
        {"note": "杂物已清理", "photo": photo_upload()},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resolved" and body["reply"] == "杂物已清理"
    assert len(body["evidence"]) == 1 and EvidencePhoto.objects.filter(report=report).count() == 1
    photos_redact(report)  # the task queued on commit; until then the URL is a 404
    photo = APIClient().get(body["evidence"][0]["url"])  # signed URL, no token needed
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert APIClient().get(body["evidence"][0]["url"][:-6] + "xxxxx/").status_code == 404
    told = Notification.objects.get(recipient=report.rider.user, kind="governance.report_resolved")
    assert "修好了吗" in told.heading


def test_reject_goes_back_to_the_dispatcher_with_the_reason(api, department):
    report = routed(department)
    response = api.post(
        f"/api/v1/reports/{report.public_id}/reject/",
        {"reason": "not_our_department", "note": "归供水公司"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert "归供水公司" in report.events.get(kind="rejected").note
    bad = api.post(
        f"/api/v1/reports/{routed(department, latitude=35).public_id}/reject/",
        {"reason": "bored"},
        format="json",
    )
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]


def test_comment_reaches_the_riders_timeline(api, department):
    report = routed(department)
    response = api.post(
        f"/api/v1/reports/{report.public_id}/comments/", {"text": "明天上午处理"}, format="json"
    )
    assert response.status_code == 201
    assert report.events.filter(
        kind=ReportEvent.Kind.COMMENT, note="明天上午处理", public=True
    ).exists()
    assert Notification.objects.filter(recipient=report.rider.user, body="明天上午处理").exists()


def test_illegal_transition_is_409_with_a_code_translated_by_accept_language(api, department):
    report = routed(department)
    api.post(f"/api/v1/reports/{report.public_id}/resolve/", {"note": "done"}, format="json")
    response = api.post(
        f"/api/v1/reports/{report.public_id}/acknowledge/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition" and "cannot be acknowledged" in error["message"]
    response = api.post(
        f"/api/v1/reports/{report.public_id}/acknowledge/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "不能受理" in response.json()["error"]["message"]


def test_bad_input_has_the_common_error_shape(api, department):
    report = routed(department)
    response = api.post(
        f"/api/v1/reports/{report.public_id}/resolve/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert "note" in response.json()["error"]["fields"]
    response = api.post(
        f"/api/v1/reports/{report.public_id}/resolve/",
        {
            "note": "x",
            "photo": SimpleUploadedFile("x.jpg", b"text", "image/jpeg"),
        },
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "photo_wrong_type"
    report.refresh_from_db()
    assert report.status == "routed"  # nothing half-written


def test_retry_with_the_same_idempotency_key_changes_nothing(api, department):
    report = routed(department)
    url = f"/api/v1/reports/{report.public_id}/acknowledge/"
    first = api.post(url, {"note": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post(url, {"note": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert report.events.filter(kind="acknowledged").count() == 1
    other = api.post(
        f"/api/v1/reports/{report.public_id}/comments/",
        {"text": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert other.status_code == 422


def test_throttling_answers_429_with_retry_after(api, settings):
    from rest_framework.settings import api_settings

    from api.auth import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/minute"}
    try:
        codes = [api.get("/api/v1/categories/").status_code for _ in range(4)]
        response = api.get("/api/v1/categories/")
    finally:
        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 200, 429]
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def test_categories(api):
    body = api.get("/api/v1/categories/").json()
    fire = next(c for c in body if c["code"] == "fire-hazard")
    assert fire["closure_hours"] == 12 and fire["role"] == "safety-observer"


@pytest.mark.parametrize("path", ["/api/v1/reports/", "detail"])
def test_constant_queries_at_two_sizes(api, department, path, django_assert_max_num_queries):
    for size in (1, 30):
        reports = [routed(department, latitude=30 + n / 10) for n in range(size)]
        url = path if path != "detail" else f"/api/v1/reports/{reports[-1].public_id}/"
        with django_assert_max_num_queries(10):
            assert api.get(url).status_code == 200


def test_schema_and_docs_are_served():
    client = APIClient()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/reports/{id}/resolve/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_the_rider_sees_the_evidence_photo_on_the_report_page(api, department, client):
    report = routed(department)
    api.post(
        f"/api/v1/reports/{report.public_id}/resolve/",
        {"note": "已清理", "photo": photo_upload()},
        format="multipart",
    )
    evidence = EvidencePhoto.objects.get(report=report)
    photos_redact(report)  # the task queued on commit
    client.force_login(report.rider.user)
    page = client.get(f"/reports/{report.public_id}/").content.decode()
    assert f"/reports/{report.public_id}/evidence/{evidence.pk}/thumb/" in page
    assert client.get(f"/reports/{report.public_id}/evidence/{evidence.pk}/").status_code == 200
    client.logout()
    assert client.get(f"/reports/{report.public_id}/evidence/{evidence.pk}/").status_code == 404


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "TokenAuth" in text and "illegal_transition" in text and "examples" in text


def test_updated_since_with_an_odd_offset_is_handled(api, department):
    report = routed(department)
    response = api.get("/api/v1/reports/", {"updated_since": "0200-09-11T16:49:18+22:14"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [report.public_id]
    response = api.get("/api/v1/reports/", {"updated_since": "0001-01-01T00:00:00+23:00"})
    assert response.status_code in (200, 400)
