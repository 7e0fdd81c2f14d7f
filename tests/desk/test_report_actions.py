"""The workbench's actions on a report, each a plain form calling the department API's service:
the happy path, bad input shown with the form kept and nothing written, a double submit that
acts once, and an assisting department refused the lead's actions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance import services, workflow
from governance.models import (
    EvidencePhoto,
    ReportEvent,
    ReportQuestion,
    ReportStatus,
    ResponseTemplate,
    TransferRequest,
    TransferRule,
)
from tests.desk.report_helpers import assisted, fresh, officer, once, page, routed
from tests.factories import DepartmentFactory, photo_upload

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def lead():
    return DepartmentFactory(code="licang-housing", name="李沧住建", name_en="Licang Housing")


@pytest.fixture
def helper():
    return DepartmentFactory(code="licang-fire", name="李沧消防", name_en="Licang Fire")


@pytest.fixture
def signed_in(client, lead):
    client.force_login(officer(lead))
    return client


def token(client, report, prefix: str, query: str = "") -> str:
    return once(client.get(page(report) + query, **EN).content.decode(), prefix)


def post(client, report, action, data, files=None):
    return client.post(page(report, action), {**data, **(files or {})}, **EN)


def refused(response, text: str) -> None:
    assert response.status_code == 422, response.status_code
    assert text in response.content.decode()


def bad_photo():
    return SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg")


# --- acknowledge ------------------------------------------------------------------------------
def test_acknowledge_once_even_when_sent_twice(signed_in, lead):
    report = routed(lead)
    data = {
        "acknowledge-once": token(signed_in, report, "acknowledge"),
        "acknowledge-note": "已派人前往",
    }
    response = post(signed_in, report, "acknowledge", data)
    assert response.status_code == 302 and response["Location"] == page(report)
    assert fresh(report).status == ReportStatus.ACKNOWLEDGED
    again = signed_in.post(page(report, "acknowledge"), data, follow=True, **EN)
    assert "This was already done" in again.content.decode()
    assert report.events.filter(kind=ReportEvent.Kind.ACKNOWLEDGED).count() == 1


def test_acknowledging_an_acknowledged_report_is_refused_on_the_page(signed_in, lead):
    report = routed(lead)
    data = {"acknowledge-once": token(signed_in, report, "acknowledge")}
    workflow.acknowledge(report, department=lead)
    response = post(signed_in, report, "acknowledge", data)
    refused(response, "cannot be acknowledged")
    assert report.events.filter(kind=ReportEvent.Kind.ACKNOWLEDGED).count() == 1


def test_a_form_without_its_token_acts_not(signed_in, lead):
    report = routed(lead)
    response = signed_in.post(page(report, "acknowledge"), {}, follow=True, **EN)
    assert "This was already done" in response.content.decode()
    assert fresh(report).status == ReportStatus.ROUTED


# --- ask --------------------------------------------------------------------------------------
def test_ask_the_rider(signed_in, lead):
    report = routed(lead)
    data = {"ask-once": token(signed_in, report, "ask"), "ask-question": "请问是几单元？"}
    assert post(signed_in, report, "ask", data).status_code == 302
    assert fresh(report).status == ReportStatus.WAITING
    assert ReportQuestion.objects.get(report=report).text == "请问是几单元？"


def test_a_blank_question_is_refused_with_the_form_kept(signed_in, lead):
    report = routed(lead)
    data = {"ask-once": token(signed_in, report, "ask"), "ask-question": "   "}
    refused(post(signed_in, report, "ask", data), "Write the question: the rider reads it.")
    assert fresh(report).status == ReportStatus.ROUTED
    assert not ReportQuestion.objects.filter(report=report).exists()
    # The token was given back: the corrected form goes through.
    data["ask-question"] = "哪个单元？"
    assert post(signed_in, report, "ask", data).status_code == 302


# --- resolve ----------------------------------------------------------------------------------
@pytest.fixture
def template(lead):
    return ResponseTemplate.objects.create(
        department=lead, title="清理完毕", body="已于{time}清理{place}，现场已恢复通畅。"
    )


def test_resolve_with_a_template_a_note_and_two_photos(signed_in, lead, template):
    report = routed(lead)
    page_html = signed_in.get(page(report) + f"?template={template.pk}", **EN).content.decode()
    assert 'name="resolve-fields.time"' in page_html and template.body in page_html
    data = {
        "resolve-once": once(page_html, "resolve"),
        "resolve-template": template.pk,
        "resolve-fields.time": "10:30",
        "resolve-fields.place": "三单元楼道",
        "resolve-note": "请核实",
    }
    files = {"resolve-photos": [photo_upload(), photo_upload("b.jpg", color="blue")]}
    response = post(signed_in, report, "resolve", data, files)
    assert response.status_code == 302, response.content.decode()
    report = fresh(report)
    assert report.status == ReportStatus.RESOLVED
    assert report.reply == "已于10:30清理三单元楼道，现场已恢复通畅。\n请核实"
    assert EvidencePhoto.objects.filter(report=report, department=lead).count() == 2


def test_resolve_with_a_note_only(signed_in, lead):
    report = routed(lead)
    data = {"resolve-once": token(signed_in, report, "resolve"), "resolve-note": "纸箱已清理完毕"}
    assert post(signed_in, report, "resolve", data).status_code == 302
    assert fresh(report).status == ReportStatus.RESOLVED


def test_a_missing_template_blank_is_refused_and_nothing_written(signed_in, lead, template):
    report = routed(lead)
    data = {
        "resolve-once": token(signed_in, report, "resolve", f"?template={template.pk}"),
        "resolve-template": template.pk,
        "resolve-fields.time": "10:30",
        "resolve-fields.place": "",
    }
    response = post(signed_in, report, "resolve", data, {"resolve-photos": [photo_upload()]})
    refused(response, "Fill in “place”.")
    assert 'value="10:30"' in response.content.decode()  # what was typed is kept
    assert fresh(report).status == ReportStatus.ROUTED
    assert not EvidencePhoto.objects.filter(report=report).exists()


def test_another_departments_template_is_refused(signed_in, lead):
    report = routed(lead)
    theirs = ResponseTemplate.objects.create(
        department=DepartmentFactory(), title="他们的", body="已于{time}处理"
    )
    data = {
        "resolve-once": token(signed_in, report, "resolve"),
        "resolve-template": theirs.pk,
        "resolve-fields.time": "10:30",
    }
    refused(post(signed_in, report, "resolve", data), "No such template for your department")
    assert fresh(report).status == ReportStatus.ROUTED
    data["resolve-template"] = "abc"
    assert post(signed_in, report, "resolve", data).status_code == 422
    assert fresh(report).status == ReportStatus.ROUTED


def test_a_bad_photo_is_refused_and_nothing_written(signed_in, lead):
    report = routed(lead)
    data = {"resolve-once": token(signed_in, report, "resolve"), "resolve-note": "纸箱已清理完毕"}
    response = post(
        signed_in, report, "resolve", data, {"resolve-photos": [photo_upload(), bad_photo()]}
    )
    assert response.status_code == 422
    assert "x.jpg" in response.content.decode()
    assert fresh(report).status == ReportStatus.ROUTED
    assert not EvidencePhoto.objects.filter(report=report).exists()


def test_a_too_short_note_is_the_categorys_rule(signed_in, lead):
    report = routed(lead)
    report.category.min_reply_chars = 10
    report.category.save()
    data = {"resolve-once": token(signed_in, report, "resolve"), "resolve-note": "好了"}
    refused(post(signed_in, report, "resolve", data), "at least 10 characters")
    assert fresh(report).status == ReportStatus.ROUTED


def test_an_assisting_department_cannot_resolve(client, lead, helper):
    report = assisted(lead, helper)
    client.force_login(officer(helper))
    html = client.get(page(report), **EN).content.decode()
    data = {"resolve-once": once(html, "comment"), "resolve-note": "纸箱已清理完毕"}
    refused(client.post(page(report, "resolve"), data, **EN), "Only the lead department")
    assert fresh(report).status == ReportStatus.ROUTED
    data = {"acknowledge-once": once(html, "evidence")}
    refused(client.post(page(report, "acknowledge"), data, **EN), "Only the lead department")


# --- reject -----------------------------------------------------------------------------------
def test_reject_with_grounds(signed_in, lead):
    report = routed(lead)
    data = {"reject-once": token(signed_in, report, "reject"), "reject-grounds": "invalid"}
    assert post(signed_in, report, "reject", data).status_code == 302
    assert fresh(report).status == ReportStatus.REJECTED


def test_reject_without_a_reason_is_refused(signed_in, lead):
    report = routed(lead)
    data = {"reject-once": token(signed_in, report, "reject"), "reject-grounds": ""}
    refused(post(signed_in, report, "reject", data), "Choose why the report goes back.")
    assert fresh(report).status == ReportStatus.ROUTED


# --- transfer ---------------------------------------------------------------------------------
def test_request_a_transfer_the_dispatcher_decides(signed_in, lead):
    report = routed(lead)
    water = DepartmentFactory(code="licang-water")
    data = {
        "transfer-once": token(signed_in, report, "transfer"),
        "transfer-department": water.pk,
        "transfer-reason": "井盖归供水公司",
    }
    assert post(signed_in, report, "transfer", data).status_code == 302
    transfer = TransferRequest.objects.get(report=report)
    assert transfer.status == TransferRequest.Status.PENDING and transfer.to_department == water


def test_a_transfer_by_a_known_pair_leaves_for_the_queue(signed_in, lead):
    report = routed(lead)
    water = DepartmentFactory(code="licang-water")
    TransferRule.objects.create(from_department=lead, to_department=water)
    data = {
        "transfer-once": token(signed_in, report, "transfer"),
        "transfer-department": water.pk,
        "transfer-reason": "井盖归供水公司",
    }
    response = post(signed_in, report, "transfer", data)
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert fresh(report).department == water


def test_a_transfer_without_a_reason_is_refused(signed_in, lead):
    report = routed(lead)
    water = DepartmentFactory(code="licang-water")
    data = {
        "transfer-once": token(signed_in, report, "transfer"),
        "transfer-department": water.pk,
        "transfer-reason": " ",
    }
    refused(post(signed_in, report, "transfer", data), "Say why the report is the other")
    assert not TransferRequest.objects.filter(report=report).exists()


def test_a_transfer_to_no_department_is_refused(signed_in, lead):
    report = routed(lead)
    data = {"transfer-once": token(signed_in, report, "transfer"), "transfer-reason": "不是我们的"}
    refused(post(signed_in, report, "transfer", data), "No such active department in this city.")
    assert not TransferRequest.objects.filter(report=report).exists()


# --- comment and evidence ---------------------------------------------------------------------
def test_an_assisting_department_comments_and_adds_evidence(client, lead, helper):
    report = assisted(lead, helper)
    client.force_login(officer(helper))
    data = {"comment-once": token(client, report, "comment"), "comment-text": "消防通道已检查"}
    assert post(client, report, "comment", data).status_code == 302
    again = client.post(page(report, "comment"), data, follow=True, **EN)
    assert "This was already done" in again.content.decode()
    assert report.events.filter(kind=ReportEvent.Kind.COMMENT, department=helper).count() == 1
    data = {"evidence-once": token(client, report, "evidence")}
    response = post(client, report, "evidence", data, {"evidence-photos": [photo_upload()]})
    assert response.status_code == 302
    assert EvidencePhoto.objects.filter(report=report, department=helper).count() == 1


def test_an_empty_comment_is_refused(signed_in, lead):
    report = routed(lead)
    data = {"comment-once": token(signed_in, report, "comment"), "comment-text": ""}
    refused(post(signed_in, report, "comment", data), "The comment is empty.")
    assert not report.events.filter(kind=ReportEvent.Kind.COMMENT).exists()


def test_evidence_needs_a_photo_and_a_good_one(signed_in, lead):
    report = routed(lead)
    data = {"evidence-once": token(signed_in, report, "evidence")}
    refused(post(signed_in, report, "evidence", data), "Choose or take a photo.")
    response = post(signed_in, report, "evidence", data, {"evidence-photos": [bad_photo()]})
    assert response.status_code == 422
    assert not EvidencePhoto.objects.filter(report=report).exists()


def test_the_page_in_chinese_speaks_chinese(signed_in, lead):
    report = routed(lead)
    data = {"comment-once": token(signed_in, report, "comment"), "comment-text": ""}
    response = signed_in.post(page(report, "comment"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    assert "The comment is empty." not in response.content.decode()


def test_services_unchanged_by_the_page(lead):
    # The workbench adds no rule: the service refuses a blank comment the same way.
    report = routed(lead)
    with pytest.raises(services.DomainError):
        services.report_comment(report=report, department=lead, text=" ")
