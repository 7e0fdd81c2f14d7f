"""A rider sees the photo they sent with their check of a fix or with an answer to a
department's question (issue 14); nobody else does but staff who may view reports. Everyone
else gets 404, never 403, so nobody learns that the photo exists."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import DISPATCHER
from governance import services, workflow
from governance.models import FixAnswer, ReportSupporter
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    UserFactory,
    photo_upload,
)

pytestmark = pytest.mark.django_db
A = FixAnswer.Outcome
H = FixAnswer.Satisfaction


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def resolved(department):
    report = workflow.route(ReportFactory(), department=department)
    return workflow.resolve(report, department=department, reply="纸箱已清理")


@pytest.fixture
def dispatcher():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER))
    return user


def check(rider, report, photo=True):
    return services.report_check(
        rider=rider,
        report=report,
        outcome=A.FIXED,
        satisfaction=H.SATISFIED,
        comment="",
        photo=photo_upload() if photo else None,
    )


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_each_rider_sees_only_their_own_check_photo(client, resolved, dispatcher):
    joiner = RiderFactory()
    ReportSupporter.objects.create(report=resolved, rider=joiner)
    joiners = check(joiner, resolved)
    reporters = check(resolved.rider, resolved)
    for answer, owner, other in (
        (reporters, resolved.rider, joiner),
        (joiners, joiner, resolved.rider),
    ):
        for name in ("reports:answer_photo", "reports:answer_photo_thumb"):
            url = reverse(name, args=[resolved.public_id, answer.pk])
            response = get(client, owner.user, url)
            assert response.status_code == 200
            assert response["Content-Type"] == "image/jpeg"
            assert "private" in response["Cache-Control"]
            assert get(client, other.user, url).status_code == 404
            assert get(client, RiderFactory().user, url).status_code == 404
            assert get(client, None, url).status_code == 404
            assert get(client, dispatcher, url).status_code == 200
            assert get(client, UserFactory(is_staff=True), url).status_code == 404  # no view perm


def test_a_check_without_a_photo_or_of_another_report_is_404(client, resolved):
    answer = check(resolved.rider, resolved, photo=False)
    client.force_login(resolved.rider.user)
    url = reverse("reports:answer_photo", args=[resolved.public_id, answer.pk])
    assert client.get(url).status_code == 404
    other = ReportFactory(rider=resolved.rider)
    assert (
        client.get(reverse("reports:answer_photo", args=[other.public_id, answer.pk])).status_code
        == 404
    )


def test_the_reporter_sees_the_photo_sent_with_an_answer(client, department, dispatcher):
    report = workflow.route(ReportFactory(), department=department)
    services.report_ask(report=report, department=department, question="哪个入口？")
    services.question_answer(rider=report.rider, report=report, text="东门", photo=photo_upload())
    joiner = RiderFactory()
    ReportSupporter.objects.create(report=report, rider=joiner)
    for name in ("reports:question_photo", "reports:question_photo_thumb"):
        url = reverse(name, args=[report.public_id, 1])
        assert get(client, report.rider.user, url).status_code == 200
        assert get(client, dispatcher, url).status_code == 200
        assert get(client, joiner.user, url).status_code == 404
        assert get(client, RiderFactory().user, url).status_code == 404
        assert get(client, None, url).status_code == 404
    missing = reverse("reports:question_photo", args=[report.public_id, 2])
    assert get(client, report.rider.user, missing).status_code == 404
