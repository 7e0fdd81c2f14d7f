"""The rider's "is it fixed?" card on the report page (闭环, issue 14): the reporter's answer
confirms or reopens, a joiner is heard, nobody else sees or posts, bad input keeps the form."""

from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from governance import services, workflow
from governance.models import FixAnswer, Report, ReportEvent, ReportStatus, ReportSupporter
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, photo_upload

pytestmark = pytest.mark.django_db
S = ReportStatus
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def department():
    return DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")


@pytest.fixture
def resolved(department):
    report = workflow.route(ReportFactory(), department=department)
    return workflow.resolve(report, department=department, reply="纸箱已清理，楼道畅通")


@pytest.fixture
def joiner(resolved):
    rider = RiderFactory()
    ReportSupporter.objects.create(report=resolved, rider=rider)
    return rider


def check_url(report) -> str:
    return reverse("reports:check", args=[report.public_id])


def detail_url(report) -> str:
    return reverse("reports:detail", args=[report.public_id])


def answer(client, report, headers=ENGLISH, **overrides):
    data = {"outcome": "fixed", "satisfaction": "satisfied", "comment": "", "round": "0"}
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(check_url(report), data, **headers)


def fresh(report) -> Report:
    return Report.objects.get(pk=report.pk)


def test_the_reporter_is_asked_with_the_reply_and_the_deadline(client, resolved):
    client.force_login(resolved.rider.user)
    page = client.get(detail_url(resolved), **ENGLISH).content.decode()
    card = page.split('id="check"')[1].split("</section>")[0]
    assert "Is it fixed?" in card and "纸箱已清理，楼道畅通" in card
    for value in ("fixed", "partly", "not_fixed", "satisfied", "basically", "dissatisfied"):
        assert f'value="{value}"' in card
    assert 'accept="image/*" capture="environment"' in card
    assert f'action="{check_url(resolved)}"' in card
    # The deadline in Qingdao's time, in the reader's language.
    due = resolved.verify_by.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"Please answer by {due:%Y-%m-%d %H:%M}" in card
    assert "no answer within 72 hours counts as satisfied" in card
    # The reply is in the card, not shown twice.
    assert page.count("纸箱已清理，楼道畅通") == 1


def test_reporter_says_fixed_and_the_report_is_confirmed(client, resolved):
    client.force_login(resolved.rider.user)
    response = answer(client, resolved, comment="干净了")
    assert response.status_code == 302 and response.url == detail_url(resolved)
    report = fresh(resolved)
    assert report.status == S.CONFIRMED and report.validated_at is not None
    saved = FixAnswer.objects.get()
    assert (saved.outcome, saved.satisfaction, saved.comment) == ("fixed", "satisfied", "干净了")
    page = client.get(response.url, **ENGLISH).content.decode()
    assert f"Thank you! Report {report.public_id} is confirmed as fixed." in page
    assert "data-check-form" not in page  # the question is gone, the answer shown
    assert "Your check of the fix" in page and "Fixed</strong> · Satisfied" in page
    assert "status--confirmed" in page
    assert "Fix confirmed" in page and "Fixed · Satisfied: 干净了" in page  # the timeline


def test_reporter_says_not_fixed_with_a_photo_and_the_report_reopens(client, resolved):
    client.force_login(resolved.rider.user)
    response = client.post(
        check_url(resolved),
        {
            "outcome": "not_fixed",
            "satisfaction": "dissatisfied",
            "comment": "还堆着",
            "round": "0",
            "photo": photo_upload(),
        },
        **ENGLISH,
    )
    assert response.status_code == 302
    report = fresh(resolved)
    assert report.status == S.REOPENED and report.reopen_count == 1
    assert report.department == resolved.department and report.due_at > resolved.due_at
    saved = FixAnswer.objects.get()
    assert saved.photo and saved.thumbnail and saved.round == 0
    page = client.get(response.url, **ENGLISH).content.decode()
    assert (
        f"Report {report.public_id} is reopened: Licang Housing Bureau must fix it again." in page
    )
    assert "status--reopened" in page and "Reopened: not fixed" in page
    assert "Not fixed</strong> · Dissatisfied" in page
    # The rider sees the photo they sent (tests/governance/test_answer_photos.py).
    assert reverse("reports:answer_photo_thumb", args=[report.public_id, saved.pk]) in page
    assert "Reopened: the department must fix it again by" in page
    assert "Not fixed · Dissatisfied: 还堆着" in page  # the timeline line
    assert "data-check-form" not in page


def test_not_fixed_a_second_time_goes_to_supervision(client, resolved, department):
    client.force_login(resolved.rider.user)
    answer(client, resolved, outcome="not_fixed", satisfaction="dissatisfied")
    again = workflow.resolve(fresh(resolved), department=department, reply="再次清理完毕")
    page = client.get(detail_url(again), **ENGLISH).content.decode()
    assert "data-check-form" in page and 'name="round" value="1"' in page  # asked again
    response = answer(client, again, outcome="not_fixed", satisfaction="dissatisfied", round="1")
    assert fresh(again).status == S.SUPERVISION
    page = client.get(response.url, **ENGLISH).content.decode()
    assert "the service centre now supervises it" in page and "status--supervision" in page


def test_a_joiner_is_heard_but_the_reporter_decides(client, resolved, joiner):
    client.force_login(joiner.user)
    page = client.get(detail_url(resolved), **ENGLISH).content.decode()
    assert "data-check-form" in page and "The rider who filed the report decides" in page
    response = answer(client, resolved, outcome="partly", satisfaction="basically")
    assert response.status_code == 302
    assert fresh(resolved).status == S.RESOLVED  # still waiting for the reporter
    saved = FixAnswer.objects.get()
    assert (saved.rider, saved.outcome) == (joiner, "partly")
    assert resolved.events.filter(kind=ReportEvent.Kind.ANSWERED).count() == 1
    page = client.get(response.url, **ENGLISH).content.decode()
    assert f"Thank you! Your check of report {resolved.public_id} is recorded." in page
    assert "data-check-form" not in page and "Partly fixed</strong> · Basically satisfied" in page
    # The reporter is still asked.
    client.force_login(resolved.rider.user)
    assert "data-check-form" in client.get(detail_url(resolved)).content.decode()


def test_the_reporter_reads_a_joiners_check_without_the_joiners_words(client, resolved, joiner):
    client.force_login(joiner.user)
    answer(
        client, resolved, outcome="not_fixed", satisfaction="dissatisfied", comment="我是3单元的王"
    )
    client.force_login(resolved.rider.user)
    page = client.get(detail_url(resolved), **ENGLISH).content.decode()
    assert "Not fixed · Dissatisfied" in page  # the joiner's check, on the timeline
    assert "我是3单元的王" not in page
    event = resolved.events.get(kind=ReportEvent.Kind.ANSWERED)
    assert event.note == "我是3单元的王"  # kept for the department and the centre


def test_an_outsider_gets_404_and_writes_nothing(client, resolved):
    client.force_login(RiderFactory().user)
    assert client.get(detail_url(resolved)).status_code == 404
    assert answer(client, resolved).status_code == 404
    assert not FixAnswer.objects.exists() and fresh(resolved).status == S.RESOLVED


def test_anonymous_visitors_are_sent_to_sign_in(client, resolved):
    response = answer(client, resolved)
    assert response.status_code == 302
    assert response.url == f"{reverse('riders:sign_in')}?next={check_url(resolved)}"
    assert not FixAnswer.objects.exists()


def test_the_check_url_takes_only_post(client, resolved):
    client.force_login(resolved.rider.user)
    assert client.get(check_url(resolved)).status_code == 405


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"outcome": None}, "outcome", "Say whether it is fixed."),
        ({"satisfaction": None}, "satisfaction", "Say how satisfied you are."),
        ({"comment": "很" * 501}, "comment", "Keep the comment under 500 characters."),
        (
            {"photo": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")},
            "photo",
            "x.jpg",
        ),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(
    client, resolved, overrides, field, message
):
    client.force_login(resolved.rider.user)
    data = {"outcome": "not_fixed", "satisfaction": "dissatisfied", "comment": "还堆着"}
    data.update(overrides)
    response = answer(client, resolved, **data)
    assert response.status_code == 200
    form = response.context["check_form"]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert message.replace("’", "&#x27;") in page or message in page
    # Nothing lost: the chosen values are kept.
    if data.get("outcome"):
        assert 'value="not_fixed" id="id_outcome_2" checked' in page
    if data.get("satisfaction"):
        assert 'value="dissatisfied" id="id_satisfaction_2" checked' in page
    if field != "comment":
        assert "还堆着</textarea>" in page
    assert not FixAnswer.objects.exists()
    assert fresh(resolved).status == S.RESOLVED
    assert not resolved.events.exclude(kind__in=["submitted", "routed", "resolved"]).exists()


def test_a_second_submit_says_already_answered(client, resolved, joiner):
    for rider in (joiner, resolved.rider):  # the joiner first: the reporter's answer decides
        client.force_login(rider.user)
        assert answer(client, resolved).status_code == 302
        response = answer(client, resolved)
        assert response.status_code == 302 and response.url == detail_url(resolved)
        page = client.get(response.url, **ENGLISH).content.decode()
        assert "You have already answered. Thank you!" in page
    assert FixAnswer.objects.count() == 2
    assert fresh(resolved).status == S.CONFIRMED


def test_a_check_the_default_took_is_not_taken_for_an_answer(client, resolved):
    from governance.services import unchecked_fixes_accept

    Report.objects.filter(pk=resolved.pk).update(verify_by=resolved.closed_at)
    assert unchecked_fixes_accept() == 1
    client.force_login(resolved.rider.user)
    response = answer(client, resolved)
    assert response.status_code == 302
    page = client.get(response.url, **ENGLISH).content.decode()
    assert "This report is not waiting for your check any more." in page
    assert "accepted as fixed by default" in page
    assert FixAnswer.objects.get().by_default


def test_the_card_reads_in_english_and_in_chinese(client, resolved):
    client.force_login(resolved.rider.user)
    english = client.get(detail_url(resolved), **ENGLISH).content.decode()
    assert "Is it fixed?" in english and "Partly fixed" in english
    assert "Basically satisfied" in english and "counts as satisfied" in english
    chinese = client.get(detail_url(resolved), **CHINESE).content.decode()
    assert "是否已解决" in chinese
    for label in ("已解决", "部分解决", "未解决", "满意", "基本满意", "不满意"):
        assert label in chinese
    assert "72 小时内未回答视为满意" in chinese
    assert "Is it fixed?" not in chinese


def test_the_report_page_keeps_a_constant_number_of_queries_with_the_card(
    client, resolved, django_assert_max_num_queries
):
    client.force_login(resolved.rider.user)
    for size in (1, 5):
        while resolved.answers.count() < size:  # joiners who answered: answers and events
            rider = RiderFactory()
            ReportSupporter.objects.create(report=resolved, rider=rider)
            services.report_check(
                rider=rider, report=resolved, outcome="partly", satisfaction="basically"
            )
        with django_assert_max_num_queries(9):  # as without the card (test_timeline_language)
            assert client.get(detail_url(resolved)).status_code == 200


def test_a_form_for_an_earlier_resolution_never_answers_the_new_one(client, resolved, department):
    client.force_login(resolved.rider.user)
    answer(client, resolved, outcome="not_fixed", satisfaction="dissatisfied")
    again = workflow.resolve(fresh(resolved), department=department, reply="再次清理完毕")
    # The rider's old tab still holds the round-0 form; a joiner's stale form is the same case.
    data = {"outcome": "fixed", "satisfaction": "satisfied", "round": "0"}
    response = client.post(check_url(again), data, follow=True, **ENGLISH)
    assert fresh(again).status == S.RESOLVED
    assert not FixAnswer.objects.filter(report=again, round=1).exists()
    assert "already answered" in response.content.decode()
