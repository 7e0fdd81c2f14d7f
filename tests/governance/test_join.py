"""A rider who sees an already-reported problem joins that report instead of filing again."""

import pytest
from django.urls import reverse

from core.models import Notification
from governance import workflow
from governance.models import ReportEvent, ReportSupporter
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed():
    return workflow.route(ReportFactory(), department=DepartmentFactory(name="城管局"))


@pytest.fixture
def joiner(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


def test_joining_follows_the_report(client, joiner, routed):
    response = client.post(reverse("reports:join", args=[routed.public_id]))
    assert response.status_code == 302
    assert ReportSupporter.objects.filter(report=routed, rider=joiner).exists()
    assert routed.events.filter(kind=ReportEvent.Kind.JOINED, actor=joiner.user).count() == 1
    assert routed.public_id in client.get(reverse("reports:list")).content.decode()
    detail = client.get(reverse("reports:detail", args=[routed.public_id])).content.decode()
    assert "您已加入这条上报" in detail
    # Joining twice changes nothing.
    client.post(reverse("reports:join", args=[routed.public_id]))
    assert ReportSupporter.objects.count() == 1
    assert routed.events.filter(kind=ReportEvent.Kind.JOINED).count() == 1


def test_supporters_are_told_when_the_report_is_fixed(client, joiner, routed):
    client.post(reverse("reports:join", args=[routed.public_id]))
    workflow.resolve(routed, department=routed.department, reply="已修好")
    assert Notification.objects.filter(recipient=joiner.user, title__contains="已办结").exists()
    assert Notification.objects.filter(
        recipient=routed.rider.user, title__contains="已办结"
    ).exists()


def test_supporters_may_see_the_photos(client, joiner, routed, settings):
    from tests.factories import photo_upload

    routed.photos.create(position=1, image=photo_upload(), thumbnail=photo_upload())
    url = reverse("reports:photo", args=[routed.public_id, 1])
    assert client.get(url).status_code == 404
    client.post(reverse("reports:join", args=[routed.public_id]))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("case", ["own", "closed"])
def test_cannot_join_own_or_closed_reports(client, joiner, routed, case):
    report = (
        ReportFactory(rider=joiner)
        if case == "own"
        else workflow.resolve(routed, department=routed.department, reply="ok")
    )
    response = client.post(
        reverse("reports:join", args=[report.public_id]), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 409
    assert not ReportSupporter.objects.exists()


def test_join_needs_post_and_a_rider(client, routed):
    url = reverse("reports:join", args=[routed.public_id])
    assert client.post(url).status_code == 302  # anonymous → sign in
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 405
    assert client.post(reverse("reports:join", args=["RNOTEXIST1"])).status_code == 404
