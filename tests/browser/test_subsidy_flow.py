"""A rider files a subsidy claim with a photo of the receipt at a phone viewport (390×844):
the month starts on last month, a forgotten amount and a broken file are reported together,
every tap target ≥ 44 px."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from subsidies.models import Claim
from tests.factories import RiderFactory, jpeg_bytes

pytestmark = pytest.mark.browser
CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()


def assert_fits_the_phone(page, what: str) -> None:
    assert page.evaluate(CHECKS)["small"] == [], what  # every tap target ≥ 44×44 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what


def test_file_a_claim(transactional_db, sign_in_rider, live_server, screenshot_dir, tmp_path):
    rider = RiderFactory(name="李青禾", tier="honour")
    receipt = tmp_path / "receipt.jpg"
    receipt.write_bytes(jpeg_bytes())
    broken = tmp_path / "statement.pdf"
    broken.write_bytes(b"%PDF-1.4 cut off")
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/subsidy/")
    page.get_by_role("link", name="申请补贴").click()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert page.get_by_label("月份").input_value() == last_month.isoformat()
    assert_fits_the_phone(page, "claim form")

    # No amount and a broken PDF: both problems on the first submit.
    page.get_by_label("缴费凭证").set_input_files(str(broken))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    alerts = page.locator("[role=alert]").all_inner_texts()
    assert len(alerts) == 2, alerts
    assert any("statement.pdf" in text for text in alerts)
    assert page.get_by_label("月份").input_value() == last_month.isoformat()
    page.screenshot(path=str(screenshot_dir / "subsidy-claim-errors.png"), full_page=True)
    assert_fits_the_phone(page, "claim form with errors")

    page.get_by_label("养老保险").fill("520")
    page.get_by_label("缴费凭证").set_input_files(str(receipt))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/subsidy/")
    assert page.locator("[data-subsidy]").first.inner_text() == "¥520.00"
    page.screenshot(path=str(screenshot_dir / "subsidy-claim.png"), full_page=True)
    claim = Claim.objects.get(rider=rider)
    assert (claim.subsidy, claim.month) == (520, last_month)
    assert_fits_the_phone(page, "my claims")
