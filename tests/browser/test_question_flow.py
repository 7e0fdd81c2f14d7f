"""A rider answers a department's question in a real browser at a phone viewport: Home says a
department asked, the rider answers with a photo, and the report is worked again (issue 14)."""

import pytest
from playwright.sync_api import expect

from governance import services, workflow
from governance.models import Report, ReportQuestion, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, jpeg_bytes

pytestmark = pytest.mark.browser


def test_rider_answers_the_departments_question_with_a_photo(
    transactional_db, sign_in_rider, live_server, screenshot_dir
):
    rider = RiderFactory(name="王小骑")
    department = DepartmentFactory(name="李沧区住建局")
    report = workflow.route(ReportFactory(rider=rider), department=department)
    services.report_ask(report=report, department=department, question="请问是几单元的楼道？")
    page = sign_in_rider(rider)
    csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m))

    asked = page.locator(".asked-card")
    expect(asked).to_contain_text("请问是几单元的楼道？")
    asked.locator("a").first.click()
    page.wait_for_url(f"**/reports/{report.public_id}/#question")
    card = page.locator("#question")
    expect(card).to_contain_text("李沧区住建局")
    page.screenshot(path=str(screenshot_dir / "report-question.png"), full_page=True)

    card.locator("textarea[name=text]").fill("3单元，东侧入口")
    card.locator("input[name=photo]").set_input_files(
        files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    with page.expect_navigation(url=f"**/reports/{report.public_id}/#questions"):
        card.locator("button[type=submit]").click()

    expect(page.locator(".status--acknowledged").first).to_be_visible()
    expect(page.locator("#question")).to_have_count(0)
    expect(page.locator("#questions")).to_contain_text("3单元，东侧入口")
    expect(page.locator(".timeline__item--rider_answered")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "report-question-answered.png"), full_page=True)

    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACKNOWLEDGED
    assert ReportQuestion.objects.get(report=report).photo
    page.goto(f"{live_server.url}/")
    expect(page.locator(".asked-card")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert csp_violations == []
