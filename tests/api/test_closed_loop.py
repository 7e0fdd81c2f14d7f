"""The closed loop through the department API (issue 14): a resolution short of the category's
minimum is a 422 with the field errors and writes nothing; the rider's "not fixed" brings the
report back to the department's list as reopened, with its new deadline; the riders' checks of
the fix are shown without who gave them; retries are idempotent; queries stay constant."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import token_issue
from core.models import Notification
from governance import services, workflow
from governance.models import EvidencePhoto, FixAnswer, Report, ReportStatus, ReportSupporter
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    category,
    photo_upload,
    photos_redact,
)

pytestmark = pytest.mark.django_db
A = FixAnswer.Outcome
H = FixAnswer.Satisfaction


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-fire", name="李沧消防大队")


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def routed(department, **kwargs) -> Report:
    return workflow.route(ReportFactory(**kwargs), department=department)


def url(report: Report, action: str = "") -> str:
    return f"/api/v1/reports/{report.public_id}/" + (f"{action}/" if action else "")


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def reopened(department, **kwargs) -> Report:
    """Resolved by the department, then the reporter said "not fixed" with a photo."""
    report = routed(department, **kwargs)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    services.report_check(
        rider=report.rider,
        report=report,
        outcome=A.NOT_FIXED,
        satisfaction=H.DISSATISFIED,
        comment="还堆着，没清",
        photo=photo_upload(),
    )
    return fresh(report)


def test_a_one_letter_note_is_a_422_with_the_note_field(api, department):
    report = routed(department)
    response = api.post(url(report, "resolve"), {"note": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "resolution_incomplete" and list(error["fields"]) == ["note"]
    assert "at least 2 characters" in error["fields"]["note"][0]
    report = fresh(report)
    assert report.status == ReportStatus.ROUTED and not report.reply
    assert not report.events.filter(kind="resolved").exists()


def test_a_fire_lane_without_a_photo_is_refused_and_nothing_is_written(api, department):
    report = routed(department, category=category("blocked-fire-lane"))
    assert report.category.evidence_required
    notified = Notification.objects.count()
    response = api.post(url(report, "resolve"), {"note": "已清理通道"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["photo"] and "photo" in fields["photo"][0]
    report = fresh(report)
    assert report.status == ReportStatus.ROUTED and report.verify_by is None
    assert not EvidencePhoto.objects.exists() and not report.events.filter(kind="resolved")
    assert Notification.objects.count() == notified
    # Both short: both fields at once, so the department fixes everything in one go.
    both = api.post(url(report, "resolve"), {"note": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert set(both.json()["error"]["fields"]) == {"note", "photo"}
    # With the photo it goes through, and the rider is asked to check the fix.
    response = api.post(
        url(report, "resolve"), {"note": "已清理通道", "photo": photo_upload()}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resolved" and len(body["evidence"]) == 1
    assert body["verify_by"] and body["reopen_count"] == 0 and body["checks"] == []


def test_resolving_twice_is_a_409(api, department):
    report = routed(department)
    assert api.post(url(report, "resolve"), {"note": "已处理"}).status_code == 200
    response = api.post(url(report, "resolve"), {"note": "已处理"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"


def test_a_reopened_report_comes_back_with_its_new_deadline_and_can_be_worked_again(
    api, department
):
    other = routed(department, latitude=36.4)
    first_due = routed(department, latitude=36.3).due_at
    report = reopened(department)
    assert report.due_at > first_due
    listed = api.get("/api/v1/reports/", {"status": "reopened"}).json()["results"]
    assert [r["id"] for r in listed] == [report.public_id]
    [row] = listed
    assert row["status"] == "reopened" and row["reopen_count"] == 1
    assert row["verify_by"] is None and row["closed_at"] is None
    assert dt.datetime.fromisoformat(row["due_at"]) == report.due_at
    assert row["escalation_level"] >= 1
    # In the full list too, ordered by its new due time among the others.
    ids = [r["id"] for r in api.get("/api/v1/reports/").json()["results"]]
    by_due = Report.objects.filter(department=department).order_by("due_at", "id")
    assert ids == [r.public_id for r in by_due] and {report.public_id, other.public_id} <= set(ids)
    response = api.post(url(report, "acknowledge"), {"note": "再次派人"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    response = api.post(url(report, "resolve"), {"note": "已彻底清理并告知物业"}, format="json")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "resolved"
    assert body["verify_by"] and body["reopen_count"] == 1
    # The second round's "not fixed" goes to the centre's supervision: the department sees it,
    # but it is no longer its move.
    services.report_check(
        rider=report.rider, report=report, outcome=A.NOT_FIXED, satisfaction=H.DISSATISFIED
    )
    row = api.get(url(report)).json()
    assert row["status"] == "supervision" and row["reopen_count"] == 2
    assert [r["id"] for r in api.get("/api/v1/reports/?status=supervision").json()["results"]] == [
        report.public_id
    ]
    refused = api.post(url(report, "acknowledge"), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409


def test_the_riders_checks_are_shown_without_who_gave_them(api, department):
    report = routed(department)
    joined = RiderFactory(name="加入的骑手", phone="13900001111")
    ReportSupporter.objects.create(report=report, rider=joined)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    services.report_check(
        rider=joined, report=report, outcome=A.PARTLY, satisfaction=H.BASICALLY, comment="还行"
    )
    services.report_check(
        rider=report.rider,
        report=report,
        outcome=A.NOT_FIXED,
        satisfaction=H.DISSATISFIED,
        comment="还堆着",
        photo=photo_upload(),
    )
    workflow.resolve(fresh(report), department=department, reply="已彻底清理")
    # The reporter stays silent this time: accepted by default, marked as such.
    services.unchecked_fixes_accept(now=fresh(report).verify_by + dt.timedelta(seconds=1))
    response = api.get(url(report))
    body = response.json()
    assert body["status"] == "confirmed" and body["verify_by"] is None
    checks = body["checks"]
    assert [(c["round"], c["outcome"], c["by_reporter"], c["by_default"]) for c in checks] == [
        (0, "partly", False, False),
        (0, "not_fixed", True, False),
        (1, "fixed", True, True),
    ]
    assert all(
        set(c)
        == {"round", "outcome", "satisfaction", "comment", "photo"}
        | {"by_default", "by_reporter", "at"}
        for c in checks
    )
    assert checks[1]["comment"] == "还堆着" and checks[1]["satisfaction"] == "dissatisfied"
    assert checks[0]["photo"] is None and checks[2]["photo"] is None
    photos_redact(report)  # the task queued on commit: departments get the blurred copy
    photo = APIClient().get(checks[1]["photo"]["url"])  # signed, like the evidence photos
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert APIClient().get(checks[1]["photo"]["thumbnail_url"]).status_code == 200
    text = json.dumps(body, ensure_ascii=False)
    for rider in (report.rider, joined):
        assert rider.name not in text and rider.phone not in text
        assert rider.rider_number not in text
    assert body["reporter"] == api.get("/api/v1/reports/").json()["results"][0]["reporter"]


def test_retrying_a_resolve_with_the_same_key_changes_nothing(api, department):
    report = routed(department, category=category("blocked-fire-lane"))
    target = url(report, "resolve")
    # A refused resolution is not remembered: the same key, corrected, goes through once.
    refused = api.post(target, {"note": "已清理通道"}, HTTP_IDEMPOTENCY_KEY="fix-1")
    assert refused.status_code == 422
    again = api.post(target, {"note": "已清理通道"}, HTTP_IDEMPOTENCY_KEY="fix-1")
    assert again.status_code == 422 and "Idempotent-Replayed" not in again
    sent = [
        api.post(
            target,
            {"note": "已清理通道", "photo": photo_upload()},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="fix-2",
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in sent] == [200, 200, 200]
    assert sent[1]["Idempotent-Replayed"] == sent[2]["Idempotent-Replayed"] == "true"
    assert sent[0].json() == sent[1].json() == sent[2].json()
    report = fresh(report)
    assert report.events.filter(kind="resolved").count() == 1
    assert EvidencePhoto.objects.filter(report=report).count() == 1
    # The same key for the next round's resolve is another request: refused, not replayed.
    services.report_check(
        rider=report.rider, report=report, outcome=A.NOT_FIXED, satisfaction=H.DISSATISFIED
    )
    reused = api.post(target, {"note": "二次清理完毕"}, HTTP_IDEMPOTENCY_KEY="fix-2")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert fresh(report).status == ReportStatus.REOPENED


def _queries(api, path: str) -> int:
    api.get(path)  # the token's last-use time is written at most once a minute: not counted
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    return len(queries)


def test_list_and_detail_queries_do_not_grow_with_reports_or_checks(api, department):
    counts = []
    for size in (1, 8):
        reports = [reopened(department, latitude=36 + (size * 10 + n) / 1000) for n in range(size)]
        detail = reports[-1]
        for _ in range(size):
            ReportSupporter.objects.create(report=detail, rider=RiderFactory())
        workflow.resolve(detail, department=department, reply="再次清理")
        for supporter in detail.supporters.select_related("rider"):
            services.report_check(
                rider=supporter.rider,
                report=detail,
                outcome=A.FIXED,
                satisfaction=H.SATISFIED,
                photo=photo_upload(),
            )
        assert fresh(detail).answers.count() == size + 1
        counts.append((_queries(api, "/api/v1/reports/"), _queries(api, url(detail))))
    assert counts[0] == counts[1], counts
