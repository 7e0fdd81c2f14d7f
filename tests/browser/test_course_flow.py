"""A rider enrols in a course at a phone viewport; after attending, opens the certificate."""

import pytest

from growth import services
from growth.models import Enrolment
from tests.factories import RiderFactory, StaffFactory, course_with_sessions

pytestmark = pytest.mark.browser


def test_enrol_attend_and_open_the_certificate(
    transactional_db, sign_in_rider, live_server, screenshot_dir
):
    rider = RiderFactory(name="王小骑")
    course = course_with_sessions(sessions=1, required=1, title="电动车安全驾驶")
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/courses/")
    page.get_by_role("button", name="报名").click()
    page.wait_for_url("**/courses/mine/")
    enrolment = Enrolment.objects.get(rider=rider)
    services.attendance_mark(
        session=course.sessions.get(), present_ids={enrolment.pk}, by=StaffFactory()
    )
    page.reload()
    page.get_by_role("link", name="我的证书").click()
    page.locator("[data-verified]").wait_for()
    assert "王小骑" in page.locator("[data-verified]").inner_text()
    page.screenshot(path=str(screenshot_dir / "certificate.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
