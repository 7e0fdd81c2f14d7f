"""A rider who sees an already-reported problem joins that report instead of filing again.

Only from the place (issue #12: any rider could join any open report, ids being public through
Open311): the phone's position must be within the category's duplicate radius. Joining shows
the progress and the department's reply, never what the reporter wrote or photographed.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import Notification
from governance import services, workflow
from governance.models import EvidencePhoto, ReportEvent, ReportSupporter
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    photo_upload,
    photos_redact,
)

pytestmark = pytest.mark.django_db

PLACE = {"latitude": Decimal("36.145100"), "longitude": Decimal("120.432900")}
NEAR = {"latitude": "36.145200", "longitude": "120.432900"}  # 11 m away; the radius is 50 m
FAR = {"latitude": "36.146100", "longitude": "120.432900"}  # 111 m away


@pytest.fixture
def routed():
    report = ReportFactory(description="我是三单元的王师傅，电话在物业", **PLACE)
    return workflow.route(report, department=DepartmentFactory(name="城管局"))


@pytest.fixture
def joiner(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


def join(client, report, position=None, **headers):
    return client.post(reverse("reports:join", args=[report.public_id]), position or {}, **headers)


def test_joining_from_the_place_follows_the_report(client, joiner, routed):
    response = join(client, routed, NEAR)
    assert response.status_code == 302
    assert ReportSupporter.objects.filter(report=routed, rider=joiner).exists()
    assert routed.events.filter(kind=ReportEvent.Kind.JOINED, actor=joiner.user).count() == 1
    assert routed.public_id in client.get(reverse("reports:list")).content.decode()
    detail = client.get(reverse("reports:detail", args=[routed.public_id])).content.decode()
    assert "您已加入这条上报" in detail
    # Joining twice changes nothing.
    join(client, routed, NEAR)
    assert ReportSupporter.objects.count() == 1
    assert routed.events.filter(kind=ReportEvent.Kind.JOINED).count() == 1


def test_fetch_join_answers_json(client, joiner, routed):
    response = join(client, routed, NEAR, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    assert response.json()["redirect"] == reverse("reports:detail", args=[routed.public_id])


@pytest.mark.parametrize(
    ("position", "status", "code_text"),
    [
        (FAR, 409, "50"),
        ({}, 400, ""),
        ({"latitude": "36.145200"}, 400, ""),
        ({"latitude": "NaN", "longitude": "120.432900"}, 400, ""),
        ({"latitude": "95", "longitude": "120.432900"}, 400, ""),
    ],
    ids=["far", "no-position", "half-a-position", "nan", "out-of-range"],
)
def test_joining_needs_the_rider_at_the_place(client, joiner, routed, position, status, code_text):
    response = join(client, routed, position, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == status
    [message] = response.json()["errors"]["__all__"]
    assert message and code_text in message  # the radius, when too far
    assert not ReportSupporter.objects.exists()
    assert not routed.events.filter(kind=ReportEvent.Kind.JOINED).exists()


@pytest.mark.parametrize(
    ("position", "code"),
    [
        (FAR, "join_too_far"),
        ({"latitude": None, "longitude": None}, "join_location_required"),
        (NEAR, "join_no_place"),
    ],
)
def test_the_service_refuses_with_a_code(joiner, routed, position, code):
    from core.errors import DomainError

    if code == "join_no_place":
        routed.location_approximate = True
        routed.save(update_fields=["location_approximate"])
    position = {k: (Decimal(v) if v else None) for k, v in position.items()}
    with pytest.raises(DomainError) as error:
        services.report_join(rider=joiner, report=routed, **position)
    assert error.value.code == code


def test_without_javascript_a_refusal_comes_back_to_the_form(client, joiner, routed):
    response = join(client, routed, FAR, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:new")
    assert "50" in response.content.decode()  # the refusal names the radius


def test_a_report_placed_at_the_district_centre_cannot_be_joined(client, joiner):
    report = ReportFactory(location_approximate=True, **PLACE)
    response = join(client, report, NEAR, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 409
    assert not ReportSupporter.objects.exists()


def test_supporters_are_told_when_the_report_is_fixed(client, joiner, routed):
    join(client, routed, NEAR)
    workflow.resolve(routed, department=routed.department, reply="已修好")
    for user in (joiner.user, routed.rider.user):
        told = Notification.objects.get(recipient=user, kind="governance.report_resolved")
        assert "修好了吗" in told.heading  # everyone who follows it is asked to check


def test_a_joiner_cannot_see_the_reporters_photos_the_owner_still_can(client, joiner, routed):
    routed.photos.create(position=1, image=photo_upload(), thumbnail=photo_upload())
    urls = [
        reverse("reports:photo", args=[routed.public_id, 1]),
        reverse("reports:photo_thumb", args=[routed.public_id, 1]),
    ]
    join(client, routed, NEAR)
    for url in urls:
        assert client.get(url).status_code == 404
    detail = client.get(reverse("reports:detail", args=[routed.public_id])).content.decode()
    assert urls[1] not in detail
    assert "王师傅" not in detail  # nor the description, which may say who the reporter is
    listing = client.get(reverse("reports:list")).content.decode()
    assert urls[1] not in listing  # no cover photo in My reports either

    client.force_login(routed.rider.user)
    for url in urls:
        assert client.get(url).status_code == 200
    detail = client.get(reverse("reports:detail", args=[routed.public_id])).content.decode()
    assert urls[1] in detail and "王师傅" in detail
    assert urls[1] in client.get(reverse("reports:list")).content.decode()


def test_a_joiner_sees_the_progress_and_the_reply_but_not_the_conversation(client, joiner, routed):
    join(client, routed, NEAR)
    services.report_comment(
        report=routed, department=routed.department, text="王师傅，请明早在楼下等我们"
    )
    services.report_resolve(
        report=routed, department=routed.department, reply="纸箱已清理", photo=photo_upload()
    )
    detail = client.get(reverse("reports:detail", args=[routed.public_id])).content.decode()
    assert "纸箱已清理" in detail and "已办结" in detail
    assert "请明早在楼下等我们" not in detail
    evidence = EvidencePhoto.objects.get(report=routed)
    photos_redact(routed)  # the task queued on commit: joiners see the blurred copy
    # The department's photo of the fix is for everyone following the report.
    assert (
        client.get(reverse("reports:evidence", args=[routed.public_id, evidence.pk])).status_code
        == 200
    )

    client.force_login(routed.rider.user)
    detail = client.get(reverse("reports:detail", args=[routed.public_id])).content.decode()
    assert "请明早在楼下等我们" in detail


@pytest.mark.parametrize("case", ["own", "closed"])
def test_cannot_join_own_or_closed_reports(client, joiner, routed, case):
    report = (
        ReportFactory(rider=joiner, **PLACE)
        if case == "own"
        else workflow.resolve(routed, department=routed.department, reply="ok")
    )
    response = join(client, report, NEAR, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 409
    assert not ReportSupporter.objects.exists()


def test_join_needs_post_and_a_rider(client, routed):
    url = reverse("reports:join", args=[routed.public_id])
    assert client.post(url, NEAR).status_code == 302  # anonymous → sign in
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 405
    assert client.post(reverse("reports:join", args=["RNOTEXIST1"]), NEAR).status_code == 404
