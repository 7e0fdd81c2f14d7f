"""A rider files a report in a real browser at a phone viewport, offline drafts included."""

import re

import pytest
from playwright.sync_api import expect

from governance import workflow
from governance.models import Report, ReportStatus, RoutingRule
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, category, jpeg_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(transactional_db, browser, browser_context_args, live_server, sms_outbox):
    """A signed-in rider's phone, standing in Licang with location permission granted.

    `transactional_db` comes first so the seeded districts are restored before this runs.
    """
    context = browser.new_context(
        **browser_context_args,
        geolocation={"latitude": 36.1451, "longitude": 120.4329, "accuracy": 15},
        permissions=["geolocation"],
    )
    page = context.new_page()
    rider = RiderFactory(name="王小骑")
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.get_by_label("6位验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    yield page, context, rider
    context.close()


@pytest.fixture
def department():
    department = DepartmentFactory(name="李沧区住建局")
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=department)
    return department


def fill_report(page, live_server):
    page.goto(f"{live_server.url}/report/")
    page.get_by_label("遇到了什么问题？").select_option(label="楼道堆物")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "stairs.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.get_by_label("描述您看到的情况").fill("三楼楼道堆满纸箱，挡住了通道")
    page.get_by_role("button", name="使用我的位置").click()
    # expect(), not wait_for_function: polling a string predicate needs eval, which the
    # Content-Security-Policy refuses (no 'unsafe-eval').
    expect(page.locator("[name=latitude]")).not_to_have_value("")


def test_rider_files_a_report_and_follows_it_to_the_reply(
    phone, live_server, department, screenshot_dir
):
    page, _context, rider = phone
    fill_report(page, live_server)
    assert page.input_value("[name=latitude]") == "36.145100"
    assert page.locator("#id_district option:checked").inner_text() == "李沧区"
    page.screenshot(path=str(screenshot_dir / "report-form.png"), full_page=True)
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_url(re.compile(r".*/reports/R\w+/$"))
    report = Report.objects.get(rider=rider)
    assert report.photos.count() == 1
    assert report.status == ReportStatus.ROUTED  # routed on commit (tasks run inline here)
    assert "已分派" in page.content()

    page.get_by_role("link", name="我的上报").click()
    assert page.locator(".report-row").count() == 1
    assert "楼道堆物" in page.locator(".report-row").inner_text()

    workflow.acknowledge(report, department=department)
    workflow.resolve(report, department=department, reply="已通知物业清理，楼道畅通")
    page.locator(".report-row a").click()
    assert "已通知物业清理，楼道畅通" in page.locator(".reply").inner_text()
    assert "已办结" in page.content()
    page.screenshot(path=str(screenshot_dir / "report-detail.png"), full_page=True)


def test_bad_input_keeps_the_form_and_explains(phone, live_server, department):
    page, _context, _rider = phone
    page.goto(f"{live_server.url}/report/")
    page.get_by_label("遇到了什么问题？").select_option(label="楼道堆物")
    page.get_by_label("描述您看到的情况").fill("没有照片的上报")
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_selector("[data-js-error]")
    assert "请至少添加一张问题照片" in page.locator("[data-js-error]").first.inner_text()
    assert page.get_by_label("描述您看到的情况").input_value() == "没有照片的上报"
    assert not Report.objects.exists()


def test_report_sent_offline_is_kept_on_the_phone_and_sent_when_back_online(
    phone, live_server, department
):
    page, context, rider = phone
    fill_report(page, live_server)
    context.set_offline(True)
    page.get_by_role("button", name="提交上报").click()
    pending = page.locator("[data-pending]")
    pending.wait_for(state="visible")
    assert "保存在手机上" in pending.inner_text()
    assert not Report.objects.exists()

    context.set_offline(False)  # the browser fires "online"; the draft goes out by itself
    expect(page.locator("[data-pending]")).to_be_hidden(timeout=15000)
    report = Report.objects.get(rider=rider)
    assert report.description == "三楼楼道堆满纸箱，挡住了通道"
    assert report.photos.count() == 1
    assert str(report.latitude) == "36.145100"


def test_rider_joins_a_report_already_filed_nearby(phone, live_server, department):
    page, _context, rider = phone
    from decimal import Decimal

    existing = workflow.route(
        ReportFactory(latitude=Decimal("36.145150"), longitude=Decimal("120.432900")),
        department=department,
    )
    fill_report(page, live_server)
    nearby = page.locator("[data-nearby]")
    nearby.wait_for(state="visible")
    assert existing.public_id in nearby.inner_text()
    nearby.get_by_role("button", name="同一问题，加入").click()
    page.wait_for_url(f"**/reports/{existing.public_id}/")
    assert "您已加入这条上报" in page.content()
    assert not Report.objects.filter(rider=rider).exists()  # nothing filed twice
    assert existing.supporters.filter(rider=rider).exists()
