"""A rider checks a department's fix in a real browser at a phone viewport: Home asks, the
rider answers "not fixed" with a photo, and the report reopens (闭环, issue 14)."""

import pytest
from playwright.sync_api import expect

from governance import workflow
from governance.models import FixAnswer, Report, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, jpeg_bytes

pytestmark = pytest.mark.browser


def test_rider_answers_not_fixed_with_a_photo_and_sees_the_report_reopen(
    transactional_db, sign_in_rider, live_server, screenshot_dir
):
    rider = RiderFactory(name="王小骑")
    department = DepartmentFactory(name="李沧区住建局")
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已通知物业清理")
    page = sign_in_rider(rider)
    csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m))

    # Home asks first thing, and leads to the report's card.
    awaiting = page.locator(".awaiting-card")
    expect(awaiting).to_contain_text(report.public_id)
    awaiting.locator("a").first.click()
    page.wait_for_url(f"**/reports/{report.public_id}/#check")
    card = page.locator("#check")
    expect(card).to_contain_text("已通知物业清理")
    page.screenshot(path=str(screenshot_dir / "report-check.png"), full_page=True)

    # Plain HTML: radios, a comment, the camera input. By value, so the test reads the same in
    # either language.
    card.locator("input[name=outcome][value=not_fixed]").check()
    card.locator("input[name=satisfaction][value=dissatisfied]").check()
    card.locator("textarea[name=comment]").fill("纸箱还在三楼")
    card.locator("input[name=photo]").set_input_files(
        files=[{"name": "still.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    with page.expect_navigation(url=f"**/reports/{report.public_id}/"):
        card.locator("button[type=submit]").click()

    expect(page.locator(".status--reopened").first).to_be_visible()
    expect(page.locator(".msg--success")).to_contain_text(report.public_id)
    expect(page.locator("[data-check-form]")).to_have_count(0)
    expect(page.locator(".check--answered")).to_contain_text("纸箱还在三楼")
    expect(page.locator(".timeline__item--reopened")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "report-reopened.png"), full_page=True)

    reopened = Report.objects.get(pk=report.pk)
    assert reopened.status == ReportStatus.REOPENED and reopened.reopen_count == 1
    assert FixAnswer.objects.get(report=report).photo
    # Home no longer asks; nothing overflows sideways on a 390 px wide phone; the strict CSP
    # refused nothing.
    page.goto(f"{live_server.url}/")
    expect(page.locator(".awaiting-card")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert csp_violations == []
