"""The admin's "redact region" tool in Chromium (issue 20): the script runs under the CSP,
a rectangle dragged on the photo and a click that removes the detector's box become the
regions the server saves, and the blurred copy is rebuilt."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from core.roles import DISPATCHER
from governance import services
from governance.models import ReportPhoto
from tests.browser.test_admin_width import sign_in_with_cookie
from tests.factories import ReportFactory, StaffFactory
from tests.governance.test_redaction import FACE

pytestmark = pytest.mark.browser


def test_draw_a_region_remove_another_and_save(transactional_db, browser, live_server):
    photo = ReportPhoto.objects.create(
        report=ReportFactory(),
        position=1,
        image=ContentFile(FACE.read_bytes(), name="p.jpg"),
        thumbnail=ContentFile(FACE.read_bytes(), name="t.jpg"),
        width=512,
        height=512,
    )
    services.photo_redact(kind="report", photo_id=photo.pk)
    photo.refresh_from_db()
    [face] = photo.redaction_boxes
    blurred_before = photo.redacted.name
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in_with_cookie(context, live_server, user)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(f"{live_server.url}/admin/governance/reportphoto/{photo.pk}/redact/")
    canvas = page.locator("[data-redact-canvas]")
    canvas.wait_for(state="visible")  # the script ran: the canvas replaces the text field
    assert page.locator("[data-redact-field]").is_hidden()
    box = canvas.bounding_box()
    assert box and box["width"] > 100

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    # Click inside the detected face: removed.
    page.mouse.click(*at(face["x"] + face["w"] / 2, face["y"] + face["h"] / 2))
    # Drag a new rectangle in the lower left.
    page.mouse.move(*at(0.1, 0.7))
    page.mouse.down()
    page.mouse.move(*at(0.2, 0.75))
    page.mouse.move(*at(0.3, 0.8))
    page.mouse.up()
    page.locator("form.redact button[type=submit]").click()  # any language
    page.wait_for_load_state("networkidle")
    photo.refresh_from_db()
    [drawn] = photo.redaction_boxes
    assert drawn["source"] == "manual"
    assert drawn["x"] == pytest.approx(0.1, abs=0.02) and drawn["y"] == pytest.approx(0.7, abs=0.02)
    assert drawn["w"] == pytest.approx(0.2, abs=0.02) and drawn["h"] == pytest.approx(0.1, abs=0.02)
    assert photo.redacted.name != blurred_before
    assert not violations, violations
    context.close()
