"""Me → My data in Chromium at 390×844 (issue 20): the rider asks for their data, downloads the
ZIP when it is ready, asks for a correction, then closes their account and is signed out.
Nothing wider than the phone, every tap target ≥ 44 px."""

import io
import json
import zipfile

import pytest
from django.utils.translation import gettext, override

from riders.models import Rider
from tests.browser.test_accessibility import assert_accessible
from tests.factories import RiderFactory

pytestmark = pytest.mark.browser

DATA = "/me/data/"


@pytest.fixture
def rider(transactional_db):
    return RiderFactory(name="王小骑", phone="13912345678")


def fits_the_phone(page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what
    assert_accessible(page, what)


def test_export_download_correct_and_close(sign_in_rider, rider, live_server, screenshot_dir):
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}{DATA}")
    fits_the_phone(page, "my data")
    page.locator('form[action="/me/data/export/"] button').click()
    page.wait_for_url(f"{live_server.url}{DATA}")
    # Tasks run inline after commit here: the export is ready on the page it redirects to.
    link = page.locator('[data-export-status="ready"] a')
    assert link.count() == 1
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    profile = json.loads(archive.read("riders.profile.json"))
    assert profile[0]["name"] == "王小骑" and profile[0]["phone"] == "13912345678"
    page.screenshot(path=str(screenshot_dir / "mydata.png"), full_page=True)

    page.select_option("#id_field", "station")
    page.fill("#id_requested_value", "新站点")
    page.locator('form[action="/me/data/correction/"] button').click()
    page.wait_for_url(f"{live_server.url}{DATA}")
    assert page.locator('[data-correction-status="open"]').inner_text().count("新站点") == 1

    page.locator('a[href="/me/data/close/"]').click()
    page.wait_for_url(f"{live_server.url}/me/data/close/")
    assert page.locator("[data-blockers]").count() == 0
    fits_the_phone(page, "close my account")
    page.fill("#id_confirm", "CLOSE")
    page.locator("form button.btn--danger").click()
    page.wait_for_load_state()
    with override("zh-hans"):  # the page speaks the default language
        assert gettext("Your account is closed") in page.content()
    rider = Rider.objects.get(pk=rider.pk)
    assert not rider.is_active and rider.phone is None
    page.goto(f"{live_server.url}{DATA}")
    assert page.url.startswith(f"{live_server.url}/sign-in/")  # signed out
