"""An officer's day in the workbench on a phone (390×844, issue 15): open a routed report,
acknowledge, ask the rider, read the answer, resolve with a response template and a photo
chosen as a file, then see the department's scorecard. Plain forms; the one script only
enhances (the template's blanks at once), under the strict CSP."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from governance import services, workflow
from governance.models import EvidencePhoto, Officer, Report, ReportStatus, ResponseTemplate
from tests.factories import DepartmentFactory, ReportFactory, UserFactory, jpeg_bytes

pytestmark = pytest.mark.browser


def sign_in_officer(page, live_server, user) -> None:
    """The session the workbench's sign-in would give (its own flow is tested with it)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_an_officer_works_a_report_from_routed_to_resolved_on_a_phone(
    transactional_db, page, live_server, screenshot_dir
):
    street = DepartmentFactory(code="licang-street", name="李村街道办事处", name_en="Licun Street")
    user = UserFactory(first_name="李", last_name="警官")
    Officer.objects.create(user=user, department=street)
    template = ResponseTemplate.objects.create(
        department=street, title="清理完毕", body="已于{time}清理{place}，现场已恢复通畅。"
    )
    report = workflow.route(ReportFactory(description="三楼楼道堆满纸箱"), department=street)
    sign_in_officer(page, live_server, user)
    csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m))

    page.goto(f"{live_server.url}/desk/reports/{report.public_id}/")
    expect(page.locator(".desk-report")).to_contain_text("三楼楼道堆满纸箱")
    expect(page.locator(".desk-countdown")).to_be_visible()
    assert report.rider.phone not in page.content() and report.rider.name not in page.content()

    # Acknowledge: its form is open on a routed report.
    with page.expect_navigation():
        page.locator("#acknowledge button[type=submit]").click()
    expect(page.locator(".msg--success")).to_be_visible()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACKNOWLEDGED

    # Ask the rider.
    page.locator("#ask summary").click()
    page.locator("textarea[name=ask-question]").fill("请问是几单元的楼道？")
    with page.expect_navigation():
        page.locator("#ask button[type=submit]").click()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.WAITING

    # The rider answers in the portal; the officer reads it on the page.
    services.question_answer(rider=report.rider, report=report, text="三单元")
    page.reload()
    expect(page.locator(".desk-qa").first).to_contain_text("三单元")

    # Resolve with the template (choosing it shows its blanks) and a photo from the camera.
    page.locator("#resolve summary").click()
    with page.expect_navigation():
        page.locator("select[name=template]").select_option(str(template.pk))
    page.locator("input[name='resolve-fields.time']").fill("10:30")
    page.locator("input[name='resolve-fields.place']").fill("三单元楼道")
    page.locator("input[name=resolve-photos]").set_input_files(
        files=[{"name": "done.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    with page.expect_navigation():
        page.locator("#resolve form[method=post] button[type=submit]").click()
    resolved = Report.objects.get(pk=report.pk)
    assert resolved.status == ReportStatus.RESOLVED
    assert resolved.reply == "已于10:30清理三单元楼道，现场已恢复通畅。"
    assert EvidencePhoto.objects.filter(report=report).count() == 1
    expect(page.locator(".desk-timeline")).to_contain_text("三单元楼道")
    page.screenshot(path=str(screenshot_dir / "desk-report.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The department's scorecard.
    page.goto(f"{live_server.url}/desk/scorecard/")
    expect(page.locator("[data-figure=received]")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "desk-scorecard.png"), full_page=True)
    assert csp_violations == []
