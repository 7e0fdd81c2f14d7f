"""Rider pages: file a report, My reports, report detail, photos. Own reports only."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from governance import services, workflow
from governance.models import Report, ReportStatus, RoutingRule
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    category,
    jpeg_bytes,
    photo_upload,
    qingdao_district,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


@pytest.fixture
def department():
    department = DepartmentFactory(name="李沧区住建局")
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=department)
    return department


def form_data(**overrides):
    data = {
        "category": category("stairwell-clutter").pk,
        "description": "三楼楼道堆满纸箱，挡住了通道",
        "district": qingdao_district("李沧区").pk,
        "address": "九水东路 100 号 3 单元",
        "latitude": "36.145100",
        "longitude": "120.432900",
        "photos": [photo_upload()],
    }
    data.update(overrides)
    return data


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the view queues after commit (routing), as the real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_rider_files_a_report_and_it_is_routed(client, rider, department, on_commit):
    with on_commit():
        response = client.post(reverse("reports:new"), form_data())
    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:detail", args=[report.public_id])
    assert report.rider == rider and report.photos.count() == 1
    assert report.status == ReportStatus.ROUTED and report.department == department
    page = client.get(response.url).content.decode()
    assert report.public_id in page and "已分派" in page and "李沧区住建局" in page
    assert "已提交" in page  # the timeline starts with the submission


def test_fetch_submission_answers_json(client, rider, department):
    response = client.post(reverse("reports:new"), form_data(), HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 201
    assert response.json()["redirect"].startswith("/reports/R")


def test_three_photos_are_kept_in_order(client, rider, department):
    photos = [
        photo_upload(name=f"p{i}.jpg", color=c) for i, c in enumerate(["red", "green", "blue"])
    ]
    client.post(reverse("reports:new"), form_data(photos=photos))
    assert list(Report.objects.get().photos.values_list("position", flat=True)) == [1, 2, 3]


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"photos": []}, "photos", "至少添加一张"),
        ({"photos": [photo_upload(name=f"{i}.jpg") for i in range(4)]}, "photos", "最多添加 3 张"),
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")]},
            "photos",
            "不是照片",
        ),
        (
            {"photos": [SimpleUploadedFile("cut.jpg", jpeg_bytes()[:200], "image/jpeg")]},
            "photos",
            "已损坏",
        ),
        ({"latitude": "", "longitude": "", "address": ""}, "address", "共享您的位置"),
        ({"latitude": "95", "longitude": "120"}, "latitude", ""),
        ({"description": ""}, "description", ""),
        ({"category": "999999"}, "category", ""),
    ],
    ids=[
        "no-photo",
        "four-photos",
        "not-image",
        "corrupt",
        "no-location",
        "bad-lat",
        "no-text",
        "bad-cat",
    ],
)
def test_bad_input_gets_a_clear_error_and_keeps_the_form(client, rider, overrides, field, text):
    data = form_data(**overrides)
    response = client.post(reverse("reports:new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and text in " ".join(errors[field])
    assert not Report.objects.exists()
    page = response.content.decode()
    if overrides.get("description") != "":
        assert data["description"] in page  # what the rider typed is still there


def test_address_without_coordinates_uses_the_district_centre(client, rider, department):
    client.post(reverse("reports:new"), form_data(latitude="", longitude=""))
    report = Report.objects.get()
    assert report.location_approximate
    assert report.latitude == qingdao_district("李沧区").latitude


def test_gps_from_the_photo_is_used_when_the_browser_gave_none(client, rider, department):
    client.post(
        reverse("reports:new"),
        form_data(
            latitude="", longitude="", address="", photos=[photo_upload(gps=(36.15, 120.44))]
        ),
    )
    report = Report.objects.get()
    assert not report.location_approximate
    assert abs(report.latitude - Decimal("36.15")) < Decimal("0.0001")


def test_hourly_limit(client, rider, department, settings):
    settings.REPORTS_PER_RIDER_PER_HOUR = 2
    for n in range(2):
        client.post(reverse("reports:new"), form_data(latitude=f"36.1{n}0000"))
    response = client.post(reverse("reports:new"), form_data(latitude="36.190000"))
    assert response.status_code == 200
    assert "过去一小时内已上报 2 条" in response.content.decode()
    assert Report.objects.count() == 2


def test_fetch_errors_come_back_as_json(client, rider):
    response = client.post(
        reverse("reports:new"), form_data(photos=[]), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 400
    assert "photos" in response.json()["errors"]


def test_my_reports_lists_only_mine_with_constant_queries(
    client, rider, django_assert_max_num_queries, settings
):
    settings.REPORTS_PER_RIDER_PER_HOUR = 100
    others = ReportFactory()
    for size in (1, 15):
        Report.objects.filter(rider=rider).delete()
        for n in range(size):
            services.report_submit(
                rider=rider,
                category=category(),
                description="x",
                district=rider.district,
                latitude=Decimal("36.1") + Decimal(n) / 100,
                longitude=Decimal("120.4"),
                photos=[photo_upload()],
            )
        with django_assert_max_num_queries(9):
            page = client.get(reverse("reports:list")).content.decode()
        assert page.count('class="card report-row"') == size
        assert others.public_id not in page


def test_another_riders_report_is_404(client, rider):
    other = ReportFactory()
    assert client.get(reverse("reports:detail", args=[other.public_id])).status_code == 404


def test_detail_shows_the_timeline_and_the_departments_reply(client, rider):
    department = DepartmentFactory(name="城管局")
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.acknowledge(report, department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理，楼道畅通")
    page = client.get(reverse("reports:detail", args=[report.public_id])).content.decode()
    assert "纸箱已清理，楼道畅通" in page
    for label in ("已分派至部门", "已受理", "已办结"):
        assert label in page


def test_internal_events_are_not_shown_to_the_rider(client, rider):
    report = workflow.route(ReportFactory(rider=rider), department=DepartmentFactory())
    services.report_deadlines_sweep(now=report.due_at)
    page = client.get(reverse("reports:detail", args=[report.public_id])).content.decode()
    assert "已升级" not in page


def test_photos_are_served_to_the_owner_and_staff_only(client, rider, department):
    client.post(reverse("reports:new"), form_data())
    report = Report.objects.get()
    url = reverse("reports:photo", args=[report.public_id, 1])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert client.get(reverse("reports:photo_thumb", args=[report.public_id, 1])).status_code == 200
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory())  # staff without the permission
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    # The stored file name is random, not derived from the report number.
    assert report.public_id not in report.photos.get().image.name


def test_nearby_reports_help_the_rider_not_to_file_twice(client, rider, department):
    existing = workflow.route(
        ReportFactory(latitude=Decimal("36.145100"), longitude=Decimal("120.432900")),
        department=department,
    )
    response = client.get(
        reverse("reports:nearby"),
        {"category": existing.category_id, "latitude": "36.145200", "longitude": "120.432900"},
    )
    [found] = response.json()["reports"]
    assert found["id"] == existing.public_id and found["distance_m"] < 20
    assert existing.rider.name not in response.content.decode()
    bad = client.get(reverse("reports:nearby"), {"latitude": "x"})
    assert bad.status_code == 400 and "latitude" in bad.json()["errors"]


def test_report_pages_need_a_signed_in_rider(client):
    for url in (reverse("reports:new"), reverse("reports:list"), reverse("reports:nearby")):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response.url
    client.force_login(StaffFactory())
    assert client.get(reverse("reports:new")).status_code == 403


def test_my_reports_lists_filed_and_joined_newest_first_counted_once(
    client, rider, django_assert_max_num_queries
):
    """The list is built from the rider's own rows (filed ∪ joined, issue 18): every report
    once, newest first, the pager counting both kinds; other riders' reports stay out."""
    from governance.models import ReportSupporter
    from governance.selectors import reports_for_rider

    filed = [ReportFactory(rider=rider) for _ in range(12)]
    joined = [ReportFactory() for _ in range(12)]
    for report in joined:
        ReportSupporter.objects.create(report=report, rider=rider)
    strangers = [ReportFactory() for _ in range(3)]
    ReportSupporter.objects.create(report=strangers[0], rider=RiderFactory())
    mine = filed + joined
    for n, report in enumerate(mine):  # interleave the two kinds in time
        Report.objects.filter(pk=report.pk).update(
            created_at=report.created_at.replace(year=2025, day=1, hour=n % 24, minute=n)
        )
    expected = list(
        Report.objects.filter(pk__in=[r.pk for r in mine])
        .order_by("-created_at", "-id")
        .values_list("public_id", flat=True)
    )
    listed = list(reports_for_rider(rider=rider).values_list("public_id", flat=True))
    assert listed == expected
    assert reports_for_rider(rider=rider).count() == 24

    with django_assert_max_num_queries(9):
        first = client.get(reverse("reports:list")).content.decode()
    second = client.get(reverse("reports:list") + "?page=2").content.decode()
    assert first.count('class="card report-row"') == 20
    assert second.count('class="card report-row"') == 4
    for public_id in expected[:20]:
        assert public_id in first
    for public_id in expected[20:]:
        assert public_id in second
    for stranger in strangers:
        assert stranger.public_id not in first + second


def test_my_reports_of_a_rider_with_none_is_empty_and_bad_pages_fall_back(client, rider):
    ReportFactory()  # someone else's
    page = client.get(reverse("reports:list") + "?page=zzz")
    assert page.status_code == 200
    assert 'class="card report-row"' not in page.content.decode()


def test_my_reports_needs_a_signed_in_rider(client):
    response = client.get(reverse("reports:list"))
    assert response.status_code == 302
    assert reverse("riders:sign_in") in response["Location"]
