"""Issue 20's "done when", in Chromium at 390×844: a rider signs in, accepts the notice, uses
the portal, downloads their data and closes their account."""

import io
import json
import zipfile

import pytest

from privacy.models import NoticeAcceptance
from privacy.selectors import current_version_forget
from riders.models import Rider
from tests.conftest import _code_from
from tests.factories import RiderFactory, qingdao_district

pytestmark = pytest.mark.browser


@pytest.fixture
def rider(transactional_db):
    current_version_forget()  # the flush between browser tests makes the notice again
    return RiderFactory(
        name="新骑手",
        phone="13912340000",
        district=qingdao_district("李沧区"),
        notice_accepted=False,
        consents=(),
    )


def test_accept_use_export_close(page, live_server, rider, sms_outbox):
    url = live_server.url
    page.goto(f"{url}/")
    page.wait_for_url("**/sign-in/**")
    page.get_by_label("手机号码").fill(rider.phone)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    page.get_by_label("6位验证码").fill(_code_from(sms_outbox[-1].text))
    page.get_by_role("button", name="登录").click()

    # Accept: nothing but the notice until then.
    page.wait_for_url("**/privacy/accept/**")
    page.locator("[data-accept-notice] button[type=submit]").click()
    page.wait_for_url(f"{url}/")
    assert NoticeAcceptance.objects.filter(rider=rider, notice__version=1).exists()

    # Use: Home, then Me → My data.
    assert page.locator(".greeting__hello").inner_text() == "你好，新骑手"
    page.goto(f"{url}/me/")
    page.locator("[data-me-data]").click()
    page.wait_for_url(f"{url}/me/data/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Export: the ZIP holds the rider's profile and the acceptance just made.
    page.locator('form[action="/me/data/export/"] button').click()
    page.wait_for_url(f"{url}/me/data/")
    with page.expect_download() as download:
        page.locator('[data-export-status="ready"] a').click()
    with open(download.value.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    profile = json.loads(archive.read("riders.profile.json"))
    assert (profile[0]["name"], profile[0]["phone"]) == ("新骑手", "13912340000")
    acceptances = json.loads(archive.read("privacy.notice_acceptances.json"))
    assert [row["notice_version"] for row in acceptances] == [1]

    # Close: confirmed, signed out, the number erased.
    page.goto(f"{url}/me/data/close/")
    page.fill("#id_confirm", "CLOSE")  # or the word in the reader's language
    page.locator("form button.btn--danger").click()
    page.wait_for_load_state()
    rider = Rider.objects.get(pk=rider.pk)
    assert not rider.is_active and rider.phone is None and rider.name != "新骑手"
    page.goto(f"{url}/me/")
    page.wait_for_url("**/sign-in/**")
