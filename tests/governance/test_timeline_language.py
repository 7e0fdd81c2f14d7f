"""Timeline notes and inbox messages are stored as kinds and params and rendered when read, in
the reader's language — not in the language of whoever caused them (core/messages.py)."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from api.services import token_issue
from core.models import Notification
from governance import services, workflow
from governance.models import ReportEvent
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-water", name="李沧区供水公司", name_en="Licang Water")


@pytest.fixture
def api(department):
    _token, key = token_issue(label="desk", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def page(client, report, headers) -> str:
    client.force_login(report.rider.user)
    response = client.get(f"/reports/{report.public_id}/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_note_caused_in_chinese_reads_in_english_for_an_english_reader(client, api, department):
    report = workflow.route(ReportFactory(), department=department)
    response = api.post(
        f"/api/v1/reports/{report.public_id}/reject/",
        {"reason": "not_our_department", "note": "归自来水公司"},
        format="json",
        **CHINESE,
    )
    assert response.status_code == 200
    event = report.events.get(kind="rejected")
    # Stored as a kind; the department's own words as typed.
    assert (event.note_kind, event.note) == ("governance.rejected_not_ours", "归自来水公司")
    english = page(client, report, ENGLISH)
    assert "Not our department: 归自来水公司" in english and "不属于本部门" not in english
    assert "不属于本部门: 归自来水公司" in page(client, report, CHINESE)


def test_a_note_caused_in_english_reads_in_chinese_for_a_chinese_reader(client, api, department):
    report = workflow.route(ReportFactory(), department=department)
    api.post(
        f"/api/v1/reports/{report.public_id}/reject/",
        {"reason": "invalid"},
        format="json",
        **ENGLISH,
    )
    chinese = page(client, report, CHINESE)
    assert "无效上报" in chinese and "Not valid" not in chinese
    assert "Not valid" in page(client, report, ENGLISH)


def test_the_department_api_renders_notes_in_the_requests_language(api, department):
    report = ReportFactory()
    with translation.override("en"):  # caused by an English-speaking process
        services.report_route_automatically(report_id=report.pk)
    workflow.route(report, department=department, note="请尽快处理")
    url = f"/api/v1/reports/{report.public_id}/"
    notes = {
        language: [e["note"] for e in api.get(url, **headers).json()["timeline"]]
        for language, headers in (("en", ENGLISH), ("zh", CHINESE))
    }
    assert "No routing rule matched." in notes["en"] and "没有匹配的分派规则。" in notes["zh"]
    assert "请尽快处理" in notes["en"] and "请尽快处理" in notes["zh"]  # as typed


def test_open311_updates_render_notes_in_the_requests_language(client, department):
    report = workflow.route(ReportFactory(), department=department)
    workflow.reject(report, department=department, grounds="invalid", reason="照片模糊")
    url = "/open311/v2/servicerequestupdates.json"
    english = {u["description"] for u in client.get(url, **ENGLISH).json()}
    chinese = {u["description"] for u in client.get(url, **CHINESE).json()}
    assert "Not valid: 照片模糊" in english and "无效上报: 照片模糊" in chinese


def test_the_inbox_renders_in_the_readers_current_language(client, department):
    report = ReportFactory(rider__user__language="zh-hans")  # chose Chinese at the time
    workflow.route(report, department=department)
    client.force_login(report.rider.user)
    english = client.get("/me/", **ENGLISH).content.decode()
    chinese = client.get("/me/", **CHINESE).content.decode()
    assert f"Your report {report.public_id} was sent to Licang Water." in english
    assert f"您的上报 {report.public_id} 已分派至李沧区供水公司。" in chinese
    stored = Notification.objects.get(recipient=report.rider.user)
    assert stored.kind == "governance.report_routed" and stored.title == ""
    assert stored.params["department"] == {"zh-hans": "李沧区供水公司", "en": "Licang Water"}


def test_a_department_comment_is_stored_as_typed_and_titled_per_reader(client, department):
    report = workflow.route(ReportFactory(), department=department)
    services.report_comment(report=report, department=department, text="明天上午处理")
    client.force_login(report.rider.user)
    english = client.get("/me/", **ENGLISH).content.decode()
    assert f"New message about your report {report.public_id}" in english
    assert "明天上午处理" in english


def test_unknown_kinds_render_something_not_a_500(client, department):
    report = workflow.route(ReportFactory(), department=department)
    ReportEvent.objects.create(report=report, kind="comment", note_kind="gone.kind", note="还在")
    ReportEvent.objects.create(report=report, kind="comment", note_kind="gone.kind")
    Notification.objects.create(recipient=report.rider.user, kind="gone.kind", title="旧消息")
    Notification.objects.create(recipient=report.rider.user, kind="gone.other")
    Notification.objects.create(
        recipient=report.rider.user, kind="governance.report_routed", params={"id": 5}
    )
    assert "还在" in page(client, report, ENGLISH)
    inbox = client.get("/me/", **ENGLISH)
    assert inbox.status_code == 200
    text = inbox.content.decode()
    assert "旧消息" in text and "gone.other" in text
    assert "Your report 5 was sent to ." in text  # a param missing from an old row: empty


@pytest.mark.parametrize("headers", [ENGLISH, CHINESE])
def test_the_report_page_uses_a_constant_number_of_queries(
    client, department, headers, django_assert_max_num_queries
):
    report = workflow.route(ReportFactory(), department=department)
    client.force_login(report.rider.user)
    for size in (1, 30):
        while report.events.count() < size:
            services.report_comment(report=report, department=department, text="进展")
        with django_assert_max_num_queries(9):
            assert client.get(f"/reports/{report.public_id}/", **headers).status_code == 200


def test_the_inbox_uses_a_constant_number_of_queries(
    client, department, django_assert_max_num_queries
):
    report = workflow.route(ReportFactory(), department=department)  # one message
    client.force_login(report.rider.user)
    for size in (1, 20):
        while Notification.objects.count() < size:
            services.report_comment(report=report, department=department, text="进展")
        with django_assert_max_num_queries(9):
            assert client.get("/me/", **ENGLISH).status_code == 200
