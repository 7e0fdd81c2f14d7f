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

from pathlib import Path

import pytest

from tests.factories import RiderFactory
from tests.pages import rider_pages

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()


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
    paths = rider_pages(rider)
    page = sign_in_rider(rider)
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, path)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert_accessible(page, "/me/ in English")
