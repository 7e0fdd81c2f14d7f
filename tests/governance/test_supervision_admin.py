"""Supervision (督办) in the dispatcher's admin: the queue of reports the riders said are not
fixed, their checks on the report page, the centre's answers (redo, close with a reason,
re-route, close invalid) through the state machine, and the read-only list of checks."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import CENTRE_ADMIN, DISPATCHER
from governance import services, workflow
from governance.models import Category, FixAnswer, Report, ReportEvent, ReportStatus
from tests.admin_actions import offered_actions
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    StaffFactory,
    UserFactory,
    photo_upload,
)

pytestmark = pytest.mark.django_db
S = ReportStatus
QUEUE = reverse("admin:governance_report_changelist")
CHECKS = reverse("admin:governance_fixanswer_changelist")
SUPERVISION_ACTIONS = ["redo", "close"]


def not_fixed(report, **kwargs) -> FixAnswer:
    return services.report_check(
        rider=report.rider,
        report=report,
        outcome=FixAnswer.Outcome.NOT_FIXED,
        satisfaction=FixAnswer.Satisfaction.DISSATISFIED,
        **kwargs,
    )


def supervised(department=None) -> Report:
    """Resolved, not fixed, resolved again, not fixed again: the centre must decide."""
    department = department or DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="纸箱已清理")
    not_fixed(report, comment="还堆着", photo=photo_upload())
    report = workflow.resolve(
        Report.objects.get(pk=report.pk), department=department, reply="再次清理"
    )
    not_fixed(report, comment="一点没变")
    report = Report.objects.get(pk=report.pk)
    assert report.status == S.SUPERVISION
    return report


def state(report) -> tuple:
    report.refresh_from_db()
    return report.status, report.due_at, report.closed_at, report.events.count()


def act(client, action: str, reports, **extra):
    data = {"action": action, "_selected_action": [r.pk for r in reports], **extra}
    return client.post(QUEUE, data, follow=True)


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def staff_with(client, *codenames):
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="governance", codename__in=codenames)
    )
    client.force_login(user)
    return user


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return user


@pytest.fixture
def viewer(client):
    return staff_with(client, "view_report", "view_fixanswer")


def test_the_supervision_queue_and_the_riders_checks_on_the_report(client, dispatcher):
    report = supervised()
    department = report.department
    reopened = workflow.route(ReportFactory(), department=department)
    reopened = workflow.resolve(reopened, department=department, reply="已处理")
    not_fixed(reopened)
    working = workflow.route(ReportFactory(), department=department)

    page = client.get(QUEUE, {"check": "supervision"}).content.decode()
    assert report.public_id in page
    assert reopened.public_id not in page and working.public_id not in page
    page = client.get(QUEUE, {"check": "reopened"}).content.decode()
    assert reopened.public_id in page
    assert report.public_id not in page and working.public_id not in page
    assert "?check=supervision" in client.get(QUEUE).content.decode()  # the queue's own link

    page = client.get(reverse("admin:governance_report_change", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "还堆着" in html and "一点没变" in html
    assert f"#{report.rider_id}" in html and report.rider.phone not in html
    first = report.answers.get(round=0)
    thumb = reverse("admin:governance_fixanswer_photo_thumb", args=[first.pk])
    assert f'<img src="{thumb}"' in html  # a thumbnail, not escaped text
    photo = client.get(thumb)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_a_dispatcher_orders_it_redone(client, dispatcher):
    report = supervised()
    before = state(report)
    response = act(client, "redo", [report], reason="限期三天内彻底清理")
    report.refresh_from_db()
    assert report.status == S.REOPENED and report.due_at > before[1]
    assert report.closed_at is None
    event = report.events.latest("id")
    assert (event.kind, event.note, event.actor) == (
        ReportEvent.Kind.REDO,
        "限期三天内彻底清理",
        dispatcher,
    )
    assert any("1" in text for text in flash(response))


def test_a_dispatcher_closes_it_with_a_reason_the_rider_reads(client, dispatcher):
    reports = [supervised(), supervised()]
    act(client, "close", reports, reason="产权纠纷，已移交街道调解")
    for report in reports:
        report.refresh_from_db()
        assert report.status == S.CLOSED and report.closed_at is not None
        event = report.events.latest("id")
        assert (event.kind, event.note) == (ReportEvent.Kind.CLOSED, "产权纠纷，已移交街道调解")
        assert event.public  # on the rider's timeline
        assert report.rider.user.notifications.filter(kind="governance.report_closed").exists()


def test_a_close_without_a_reason_is_refused_and_nothing_changes(client, dispatcher):
    report = supervised()
    before = state(report)
    response = act(client, "close", [report], reason="   ")
    assert state(report) == before
    assert flash(response)  # told why


def test_only_supervised_reports_are_redone_or_closed(client, dispatcher):
    working = workflow.route(ReportFactory(), department=DepartmentFactory())
    before = state(working)
    response = act(client, "redo", [working])
    act(client, "close", [working], reason="不需要处理")
    assert state(working) == before
    assert any(working.public_id in text for text in flash(response))


def test_re_route_and_close_invalid_take_supervised_reports(client, dispatcher):
    elsewhere = DepartmentFactory()
    rerouted, invalid = supervised(), supervised()
    act(client, "reroute", [rerouted], department=elsewhere.pk, reason="应由区住建局处理")
    rerouted.refresh_from_db()
    assert rerouted.status == S.ROUTED and rerouted.department == elsewhere
    act(client, "close_invalid", [invalid], reason="照片与描述不符")
    invalid.refresh_from_db()
    assert invalid.status == S.INVALID and invalid.validated_at is None


def test_staff_without_change_permission_are_not_offered_them_and_cannot_run_them(client, viewer):
    report = supervised()
    page = client.get(QUEUE)
    assert page.status_code == 200
    assert not set(SUPERVISION_ACTIONS) & set(offered_actions(page))
    before = state(report)
    for action in SUPERVISION_ACTIONS:
        response = client.post(
            QUEUE, {"action": action, "_selected_action": [report.pk], "reason": "关闭"}
        )
        assert response.status_code in (200, 302)
    assert state(report) == before
    # They still read the riders' checks.
    html = client.get(reverse("admin:governance_report_change", args=[report.pk])).content
    assert "一点没变" in html.decode()


def test_dispatchers_are_offered_them(client, dispatcher):
    assert set(SUPERVISION_ACTIONS) <= set(offered_actions(client.get(QUEUE)))


def test_the_list_of_checks_searches_and_filters(client, dispatcher):
    report = supervised()
    other = workflow.route(ReportFactory(), department=DepartmentFactory())
    other = workflow.resolve(other, department=other.department, reply="已处理")
    services.unchecked_fixes_accept(now=other.verify_by)
    page = client.get(CHECKS)
    assert page.status_code == 200
    assert not offered_actions(page)  # read-only: nothing to delete
    html = page.content.decode()
    assert report.public_id in html and other.public_id in html
    html = client.get(CHECKS, {"q": report.public_id}).content.decode()
    assert report.public_id in html and other.public_id not in html
    html = client.get(CHECKS, {"by_default__exact": "1"}).content.decode()
    assert other.public_id in html and report.public_id not in html
    html = client.get(CHECKS, {"outcome__exact": "not_fixed"}).content.decode()
    assert report.public_id in html and other.public_id not in html
    html = client.get(CHECKS, {"satisfaction__exact": "satisfied"}).content.decode()
    assert other.public_id in html and report.public_id not in html
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    html = client.get(CHECKS, {"created_at__gte": since}).content.decode()
    assert other.public_id in html
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    html = client.get(CHECKS, {"created_at__gte": later}).content.decode()
    assert other.public_id not in html and report.public_id not in html
    answer = report.answers.first()
    detail = client.get(reverse("admin:governance_fixanswer_change", args=[answer.pk]))
    assert detail.status_code == 200 and not detail.context["has_change_permission"]
    assert answer.comment in detail.content.decode()


def test_the_list_of_checks_uses_a_constant_number_of_queries(client, dispatcher):
    department = DepartmentFactory()
    counts = []
    for size in (2, 12):
        FixAnswer.objects.all().delete()
        for _ in range(size):
            report = workflow.route(ReportFactory(), department=department)
            report = workflow.resolve(report, department=department, reply="已处理")
            not_fixed(report, photo=photo_upload())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHECKS).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_outsiders_are_sent_to_sign_in_and_staff_without_the_permission_refused(client):
    report = supervised()
    answer = report.answers.first()
    photo = reverse("admin:governance_fixanswer_photo", args=[answer.pk])
    change = reverse("admin:governance_fixanswer_change", args=[answer.pk])
    client.force_login(UserFactory())  # signed in, not staff
    for url in (CHECKS, change, photo):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    before = state(report)
    client.post(QUEUE, {"action": "close", "_selected_action": [report.pk], "reason": "x"})
    assert state(report) == before
    staff_with(client, "view_report")  # no view_fixanswer
    assert client.get(CHECKS).status_code == 403
    assert client.get(photo).status_code == 403


def test_centre_admins_tune_the_resolution_minimum(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    client.force_login(user)
    category = Category.objects.order_by("pk").first()
    url = reverse("admin:governance_category_changelist")
    page = client.get(url, {"evidence_required__exact": "0"})
    assert page.status_code == 200
    assert 'name="form-0-min_reply_chars"' in page.content.decode()
    response = client.get(reverse("admin:governance_category_change", args=[category.pk]))
    form = response.context["adminform"].form
    data = {
        **{name: value for name, value in form.initial.items() if value is not None},
        "min_reply_chars": 15,
        "evidence_required": "on",
        "role": category.role_id,
    }
    client.post(reverse("admin:governance_category_change", args=[category.pk]), data)
    category.refresh_from_db()
    assert (category.min_reply_chars, category.evidence_required) == (15, True)
