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

import pytest

from governance import workflow
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.browser

CHECKS = """
() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const inline = (a) => {
    const p = a.parentElement;
    return a.tagName === 'A' && p && ['P', 'LI', 'SPAN', 'STRONG'].includes(p.tagName)
      && p.textContent.trim() !== a.textContent.trim();
  };
  const small = [];
  for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    if (el.type === 'hidden' || !visible(el) || inline(el) || el.closest('.skip')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 44 - 0.5 || r.height < 44 - 0.5)
      small.push(`${el.tagName}.${el.className} "${(el.textContent || el.name).trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  const unlabelled = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) unlabelled.push(el.name || el.id);
  }
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const lowContrast = [];
  for (const el of document.querySelectorAll('body *')) {
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    const s = getComputedStyle(el), size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const a = lum(rgb(s.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return {small, unlabelled, lowContrast};
}
"""


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
    page = sign_in_rider(rider)
    for path in (
        "/",
        "/services/",
        "/report/",
        "/reports/",
        f"/reports/{report.public_id}/",
        "/me/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, path)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert_accessible(page, "/me/ in English")
