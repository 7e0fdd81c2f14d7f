"""The department's question on the rider's pages (issue 14, ask the rider): the reporter sees
"<department> asks: …" with a form (text, optional photo) that works without JavaScript and
survives a double submit; a rider who joined sees the question but no form and never the
answer; anyone else gets 404; Home says a department asked, in constant queries."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import services, workflow
from governance.models import Report, ReportQuestion, ReportStatus, ReportSupporter
from governance.selectors import reports_asked_about
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, photo_upload

pytestmark = pytest.mark.django_db
S = ReportStatus
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def department():
    return DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")


def asked_for(department, rider=None, question="请问是几单元的楼道？", **kwargs) -> Report:
    report = workflow.route(
        ReportFactory(rider=rider or RiderFactory(), **kwargs), department=department
    )
    services.report_ask(report=report, department=department, question=question)
    return report


@pytest.fixture
def asked(department):
    return asked_for(department)


@pytest.fixture
def joiner(asked):
    rider = RiderFactory()
    ReportSupporter.objects.create(report=asked, rider=rider)
    return rider


def detail_url(report) -> str:
    return reverse("reports:detail", args=[report.public_id])


def answer_url(report) -> str:
    return reverse("reports:answer", args=[report.public_id])


def card(page: str) -> str:
    if 'id="question"' not in page:
        return ""
    return page.split('id="question"')[1].split("</section>")[0]


def fresh(report) -> Report:
    return Report.objects.get(pk=report.pk)


def post(client, report, headers=ENGLISH, **data):
    data = {"text": "3单元", "position": "1", **data}
    return client.post(answer_url(report), data, **headers)


def test_the_reporter_sees_the_question_and_a_form(client, asked):
    client.force_login(asked.rider.user)
    shown = card(client.get(detail_url(asked), **ENGLISH).content.decode())
    assert "Licang Housing Bureau asks:" in shown and "请问是几单元的楼道？" in shown
    assert f'action="{answer_url(asked)}#question"' in shown
    assert 'enctype="multipart/form-data"' in shown and "csrfmiddlewaretoken" in shown
    assert '<textarea name="text"' in shown and 'maxlength="1000"' in shown
    assert 'accept="image/*" capture="environment"' in shown
    assert 'name="position" value="1"' in shown
    assert "after 48 hours the department works on without your answer" in shown
    chinese = card(client.get(detail_url(asked), **CHINESE).content.decode())
    assert "李沧区住建局" in chinese


def test_the_reporter_answers_with_a_photo_and_sees_the_answer(client, asked):
    client.force_login(asked.rider.user)
    response = post(client, asked, text="3单元东侧", photo=photo_upload())
    assert response.status_code == 302 and response.url == f"{detail_url(asked)}#questions"
    report = fresh(asked)
    assert report.status == S.ACKNOWLEDGED
    question = ReportQuestion.objects.get()
    assert question.answer == "3单元东侧" and question.photo
    page = client.get(detail_url(asked), **ENGLISH).content.decode()
    assert "Licang Housing Bureau has your answer" in page
    assert card(page) == ""  # no open question, no form
    asked_section = page.split('id="questions"')[1].split("</section>")[0]
    assert "请问是几单元的楼道？" in asked_section and "3单元东侧" in asked_section
    # The rider sees the photo they sent (tests/governance/test_answer_photos.py).
    assert f"/reports/{report.public_id}/questions/1/photo/thumb/" in asked_section


def test_an_empty_answer_keeps_the_form_with_a_translated_error(client, asked):
    client.force_login(asked.rider.user)
    response = post(client, asked, text="   ")
    assert response.status_code == 200
    shown = card(response.content.decode())
    assert "Write your answer to the question." in shown and "field--error" in shown
    chinese = card(post(client, asked, headers=CHINESE, text="").content.decode())
    assert "field__error" in chinese  # the text itself is translated centrally (locale/)
    assert fresh(asked).status == S.WAITING


def test_a_bad_photo_is_an_error_on_the_photo_and_nothing_is_written(client, asked):
    client.force_login(asked.rider.user)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, asked, photo=bad)
    assert response.status_code == 200
    photo_field = card(response.content.decode()).split('id="id_question_photo"')[1]
    assert 'class="field__error"' in photo_field
    assert fresh(asked).status == S.WAITING
    assert ReportQuestion.objects.get().answered_at is None


def test_a_double_submit_is_recognised(client, asked):
    client.force_login(asked.rider.user)
    assert post(client, asked).status_code == 302
    again = post(client, asked, text="再答一次")
    assert again.status_code == 302 and again.url == detail_url(asked)
    page = client.get(again.url, **ENGLISH).content.decode()
    assert "You have already answered the department&#x27;s question." in page
    assert ReportQuestion.objects.get().answer == "3单元"
    assert fresh(asked).events.filter(kind="rider_answered").count() == 1


def test_a_joiner_sees_the_question_but_no_form_and_never_the_answer(client, asked, joiner):
    client.force_login(joiner.user)
    shown = card(client.get(detail_url(asked), **ENGLISH).content.decode())
    assert "请问是几单元的楼道？" in shown
    assert "<form" not in shown
    assert "The rider who filed the report answers" in shown
    refused = post(client, asked)
    assert refused.status_code == 302
    assert fresh(asked).status == S.WAITING
    services.question_answer(rider=asked.rider, report=asked, text="3单元东侧")
    page = client.get(detail_url(asked), **ENGLISH).content.decode()
    assert "请问是几单元的楼道？" in page and "3单元东侧" not in page


def test_another_rider_gets_404(client, asked):
    client.force_login(RiderFactory().user)
    assert client.get(detail_url(asked)).status_code == 404
    assert post(client, asked).status_code == 404
    assert fresh(asked).status == S.WAITING


def test_a_get_of_the_answer_url_is_not_allowed(client, asked):
    client.force_login(asked.rider.user)
    assert client.get(answer_url(asked)).status_code == 405


def home_card(page: str) -> str:
    if "asked-card" not in page:
        return ""
    return page.split("asked-card")[1].split("</section>")[0]


def test_home_says_a_department_asked(client, asked, joiner):
    client.force_login(asked.rider.user)
    shown = home_card(client.get("/", **ENGLISH).content.decode())
    assert "A department asked about your report" in shown
    assert f'href="{detail_url(asked)}#question"' in shown
    assert "Licang Housing Bureau asks:" in shown and "请问是几单元的楼道？" in shown
    client.force_login(joiner.user)
    assert home_card(client.get("/", **ENGLISH).content.decode()) == ""
    services.question_answer(rider=asked.rider, report=asked, text="3单元")
    client.force_login(asked.rider.user)
    assert home_card(client.get("/", **ENGLISH).content.decode()) == ""


def test_home_uses_a_constant_number_of_queries(client, department):
    rider = RiderFactory()
    client.force_login(rider.user)
    counts = []
    for size in (1, 4):
        while reports_asked_about(rider=rider).count() < size:
            asked_for(department, rider=rider)
        cache.clear()  # the headline figures counted afresh each time: the worst case
        client.get("/")
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        assert home_card(page).count("<li>") == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
