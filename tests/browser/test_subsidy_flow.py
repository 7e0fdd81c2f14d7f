"""A rider files a subsidy claim with a photo of the receipt at a phone viewport."""

import datetime as dt

import pytest
from django.utils import timezone

from subsidies.models import Claim
from tests.factories import RiderFactory, jpeg_bytes

pytestmark = pytest.mark.browser


def test_file_a_claim(transactional_db, sign_in_rider, live_server, screenshot_dir, tmp_path):
    rider = RiderFactory(name="李青禾", tier="honour")
    receipt = tmp_path / "receipt.jpg"
    receipt.write_bytes(jpeg_bytes())
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/subsidy/")
    page.get_by_role("link", name="申请补贴").click()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    page.get_by_label("月份").select_option(last_month.isoformat())
    page.get_by_label("养老保险").fill("520")
    page.get_by_label("缴费凭证").set_input_files(str(receipt))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/subsidy/")
    assert page.locator("[data-subsidy]").first.inner_text() == "¥520.00"
    page.screenshot(path=str(screenshot_dir / "subsidy-claim.png"), full_page=True)
    assert Claim.objects.get(rider=rider).subsidy == 520
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
