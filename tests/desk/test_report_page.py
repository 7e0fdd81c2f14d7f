"""The workbench's report page (/desk/reports/<id>/): what an officer of the lead or an
assisting department sees, who else is refused, that no rider data reaches the page, and that
it costs the same queries with 1 or 20 timeline events."""

import pytest
from django.urls import reverse

from governance import services, workflow
from governance.models import ReportEvent
from merchants.geo import wgs84_to_gcj02
from tests.desk.report_helpers import assisted, officer, page, routed
from tests.factories import DepartmentFactory, UserFactory, photo_upload, photos_redact

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return DepartmentFactory(code="licang-housing", name="李沧住建", name_en="Licang Housing")


@pytest.fixture
def helper():
    return DepartmentFactory(code="licang-fire", name="李沧消防", name_en="Licang Fire")


def test_the_lead_department_sees_the_report_with_photos_map_link_and_pseudonym(client, lead):
    report = routed(lead, latitude="36.160000", longitude="120.420000")
    photos_redact(report)  # the task queued on commit: the workbench serves the blurred copy
    client.force_login(officer(lead))
    response = client.get(page(report), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert report.public_id in html and report.description in html
    pseudonym = services.reporter_pseudonym(rider_id=report.rider_id, department_id=lead.pk)
    assert pseudonym in html
    assert "/api/v1/photos/" in html or "photo" in html
    photo_url = response.context["photos"][0]["url"]
    assert client.get(photo_url).status_code == 200
    lat, lng = wgs84_to_gcj02(36.16, 120.42)
    assert f"position={lng:.6f}%2C{lat:.6f}" in response.context["map_link"]
    assert "coordinate=gaode" in response.context["map_link"]
    assert f"name={report.public_id}" in response.context["map_link"]
    # The lead's actions, and the deadline's countdown.
    for action in ("acknowledge", "ask", "resolve", "reject", "transfer", "comment", "evidence"):
        assert f'action="{page(report, action)}"' in html
    assert "left" in html and "desk-countdown--green" in html


def test_no_rider_name_phone_or_number_anywhere_on_the_page(client, lead):
    report = routed(lead)
    services.report_comment(report=report, department=lead, text="明天上午处理")
    client.force_login(officer(lead))
    html = client.get(page(report)).content.decode()
    rider = report.rider
    for secret in (rider.name, rider.phone, rider.rider_number, rider.user.username):
        assert secret not in html


def test_an_assisting_department_sees_it_with_comment_and_evidence_only(client, lead, helper):
    report = assisted(lead, helper)
    client.force_login(officer(helper))
    response = client.get(page(report), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your department assists" in html
    assert services.reporter_pseudonym(rider_id=report.rider_id, department_id=helper.pk) in html
    assert services.reporter_pseudonym(rider_id=report.rider_id, department_id=lead.pk) not in html
    assert set(response.context["forms"]) == {"comment", "evidence"}
    for action in ("acknowledge", "ask", "resolve", "reject", "transfer"):
        assert f'action="{page(report, action)}"' not in html


def test_the_lead_sees_its_assisting_departments_and_a_pending_transfer(client, lead, helper):
    report = assisted(lead, helper)
    other = DepartmentFactory(code="licang-water", name="李沧供水", name_en="Licang Water")
    services.transfer_request(report=report, department=lead, to_department=other, reason="井盖")
    client.force_login(officer(lead))
    html = client.get(page(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Licang Fire" in html
    assert "Transfer to Licang Water waits for the dispatcher" in html


def test_another_departments_report_is_a_404(client, lead):
    report = routed(lead)
    client.force_login(officer(DepartmentFactory()))
    assert client.get(page(report)).status_code == 404
    assert client.post(page(report, "comment"), {"comment-text": "x"}).status_code == 404
    assert client.get("/desk/reports/NOSUCHID/").status_code == 404


def test_a_signed_in_non_officer_is_refused_and_anonymous_is_sent_to_sign_in(client, lead):
    report = routed(lead)
    response = client.get(page(report))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("desk:sign_in"))
    client.force_login(UserFactory())
    assert client.get(page(report)).status_code == 403
    assert client.post(page(report, "acknowledge"), {}).status_code == 403


def test_an_inactive_officer_is_refused(client, lead):
    report = routed(lead)
    client.force_login(officer(lead, is_active=False))
    assert client.get(page(report)).status_code == 403


def test_the_timeline_speaks_the_readers_language_and_shows_the_riders_answers(client, lead):
    report = routed(lead)
    services.report_ask(report=report, department=lead, question="请问是几单元？")
    services.question_answer(rider=report.rider, report=report, text="三单元", photo=photo_upload())
    client.force_login(officer(lead))
    en = client.get(page(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "请问是几单元？" in en and "三单元" in en
    assert "The rider answered" in en
    photos_redact(report)  # the task queued on commit
    photo_url = client.get(page(report)).context["questions"][0].photo_url
    assert client.get(photo_url).status_code == 200
    zh = client.get(page(report), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "The rider answered" not in zh


def test_the_riders_check_is_shown_without_who(client, lead):
    from governance.models import FixAnswer

    report = routed(lead)
    workflow.resolve(report, department=lead, reply="纸箱已清理完毕")
    services.report_check(
        rider=report.rider,
        report=report,
        outcome=FixAnswer.Outcome.NOT_FIXED,
        satisfaction=FixAnswer.Satisfaction.DISSATISFIED,
        comment="还堆着",
    )
    client.force_login(officer(lead))
    html = client.get(page(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "还堆着" in html and "Check of fix 1" in html
    assert report.rider.name not in html


def _grow_timeline(report, department, events: int) -> None:
    for n in range(events - report.events.count()):
        ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.COMMENT,
            department=department,
            from_status=report.status,
            to_status=report.status,
            note=f"第{n}条",
        )


def test_the_page_costs_the_same_queries_with_1_or_20_timeline_events(
    client, lead, helper, django_assert_num_queries
):
    small, large = assisted(lead, helper), assisted(lead, helper, latitude=30)
    large_events = 20
    _grow_timeline(large, lead, large_events)
    client.force_login(officer(lead))
    client.get(page(small))  # sessions, content types and the like warmed up
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert client.get(page(small)).status_code == 200
    assert small.events.count() <= 3 and large.events.count() >= large_events
    with django_assert_num_queries(len(first)):
        assert client.get(page(large)).status_code == 200


def test_the_countdown_turns_amber_then_red(client, lead):
    import datetime as dt

    import time_machine

    report = routed(lead)
    client.force_login(officer(lead))
    hours = report.category.hours_for(report.priority)
    with time_machine.travel(report.due_at - dt.timedelta(hours=hours * 0.1), tick=False):
        assert "desk-countdown--amber" in client.get(page(report)).content.decode()
    with time_machine.travel(report.due_at + dt.timedelta(hours=2), tick=False):
        html = client.get(page(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "desk-countdown--red" in html and "overdue by 2 h 0 min" in html
