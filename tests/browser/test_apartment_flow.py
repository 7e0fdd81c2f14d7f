"""A rider applies for a bed, the manager offers one, the rider accepts: at a phone viewport."""

import pytest

from apartments import services
from apartments.models import Application, Tenancy
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds

pytestmark = pytest.mark.browser


def test_apply_offer_accept(transactional_db, sign_in_rider, live_server, screenshot_dir):
    rider = RiderFactory(name="王小骑")
    apartment = apartment_with_beds(4, name="李沧骑手公寓")
    page = sign_in_rider(rider)

    page.goto(f"{live_server.url}/apartments/")
    assert page.locator('[data-free-beds="4"]').is_visible()
    page.get_by_role("link", name="申请床位").click()
    page.get_by_label("李沧骑手公寓").check()
    page.get_by_role("button", name="加入排队").click()
    page.wait_for_url("**/apartments/mine/")
    page.get_by_text("第 1 位").wait_for()
    application = Application.objects.get(rider=rider)

    # The manager offers the next free bed (one click in the admin).
    services.bed_offer(bed=services.free_beds(apartment).first(), by=StaffFactory())
    page.reload()
    page.get_by_text("为您保留了一个床位").wait_for()
    page.screenshot(path=str(screenshot_dir / "apartment-offer.png"), full_page=True)
    page.get_by_role("button", name="接受床位").click()
    page.locator("[data-tenancy]").wait_for()
    tenancy = Tenancy.objects.get(rider=rider)
    assert tenancy.application == application and tenancy.bed.apartment == apartment
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
