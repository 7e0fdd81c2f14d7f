"""Accessibility of every portal page, measured in the browser at 390×844.

Rules checked (WCAG 2.2 AA):
- Tap targets: every visible a, button, input, select, textarea and summary is at least 44×44
  CSS px, except links inside running text (a link whose parent is a <p> or <li> with other
  text), which WCAG 2.5.8 exempts as "inline". Hidden inputs and file-picker internals are
  ignored.
- Every form field has an accessible name (a <label>, aria-label or aria-labelledby).
- Text contrast ≥ 4.5:1, or ≥ 3:1 for large text (≥ 24 px, or ≥ 18.66 px bold), against the
  first non-transparent background behind the element.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from apartments.models import Facility
from apartments.services import application_submit
from canteen.services import meal_order_place
from governance import workflow
from rewards import services as rewards
from rewards.models import Honour
from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    course_with_sessions,
    give_points,
    merchant,
    photo_upload,
)

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()


def services_file_claim(rider) -> None:
    from decimal import Decimal

    from subsidies.models import InsuranceType
    from subsidies.services import claim_file

    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    claim_file(
        rider=rider,
        month=last_month,
        amounts={InsuranceType.objects.get(code="pension"): Decimal("520")},
        proof=photo_upload(),
    )


def assert_accessible(page, what: str) -> None:
    result = page.evaluate(CHECKS)
    assert result == {"small": [], "unlabelled": [], "lowContrast": []}, what


@pytest.fixture
def rider(transactional_db):
    return RiderFactory(name="王小骑")


def test_sign_in_pages(page, live_server, rider):
    page.goto(f"{live_server.url}/sign-in/")
    assert_accessible(page, "sign-in")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    assert_accessible(page, "code entry")


def test_portal_pages(sign_in_rider, rider, live_server):
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已处理")
    rewards.report_awards_grant(report_id=report.pk)
    give_points(rider, 100)
    benefit = BenefitFactory(stock=5, per_rider_limit=2)
    benefit.picture.save("b.jpg", photo_upload(size=(320, 240)), save=True)
    rewards.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    honour = Honour.objects.create(
        rider=rider,
        kind="bravery",
        title="雨夜救人",
        story="救起落水老人。",
        honoured_on=dt.date(2026, 8, 1),
        status="published",
        published_at=timezone.now(),
    )
    honour.photo.save("h.jpg", photo_upload(size=(320, 320)), save=True)
    apartment = apartment_with_beds(4, name="李沧骑手公寓")
    apartment.photo.save("a.jpg", photo_upload(size=(640, 360)), save=True)
    apartment.facilities.set(Facility.objects.all()[:4])
    application_submit(rider=rider, apartments=[apartment], desired_move_in=timezone.localdate())
    merchant(name="近处的便利店", lat="36.161000", open_24h=True, discount_note="骑手九折")
    merchant(name="晚上开的店", lat="36.162000", hours=(("daily", "23:00", "23:30"),))
    services_file_claim(rider)
    course_with_sessions()
    meal = canteen_with_meal()
    meal_order_place(rider=rider, set_meal_id=meal.pk)
    page = sign_in_rider(rider)
    for path in (
        "/",
        "/services/",
        "/report/",
        "/reports/",
        f"/reports/{report.public_id}/",
        "/me/",
        "/points/",
        "/benefits/",
        f"/benefits/{benefit.pk}/",
        "/redemptions/",
        "/honours/",
        "/apartments/",
        "/apartments/apply/",
        "/apartments/mine/",
        "/canteens/",
        f"/canteens/meals/{meal.pk}/",
        "/canteens/orders/",
        "/nearby/",
        "/nearby/?service=toilet&lat=36.16&lng=120.43",
        "/subsidy/",
        "/subsidy/new/",
        "/courses/",
        "/courses/mine/",
        "/volunteering/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, path)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert_accessible(page, "/me/ in English")
