"""Issue 16's "Done when", end to end in Chromium at 390×844, with the gateway variables set.

The portal's SMS sender is the real SDK of each gateway (Aliyun, then Tencent), pointed at a
local server that speaks that gateway's API and checks its signature (tests/riders/
sms_gateways.py); the live server sends the sign-in code inline from the request, a real Celery
worker started with the same variables sends the bed offer's SMS from the outbox:

1. a rider types their phone, the code arrives at the gateway (read from the request's template
   parameters: the code reaches the gateway, it is never stored in clear), the rider types it
   and is signed in;
2. staff offer the rider a bed: the SMS with the apartment and the deadline reaches the
   gateway, and the rider sees the offer with its deadline on Home and in the inbox;
3. the rider switches the portal to English with the switch in the page: the inbox shows the
   same messages in English; and back in Chinese.

"A rider coming from the platform signs in without a code" is
tests/browser/test_platform_sign_in.py (a real OpenID provider)."""

import json

import pytest
from django.utils import timezone

from apartments import services as apartments
from core.models import Notification
from riders import notify
from riders.models import SMSLog, SMSStatus
from riders.sms_templates import sms_kind
from tests.browser.test_accessibility import CHECKS
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds
from tests.riders import sms_gateways as gw

pytestmark = [pytest.mark.browser, pytest.mark.worker]

# Neither process has quiet hours: the test must not depend on the hour it runs at (the
# quiet-hour rules have their own tests, with time_machine).
NO_QUIET_HOURS = {"NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00"}
PHONE = "13900001616"
APARTMENT, APARTMENT_EN = "李村骑手公寓", "Licun Riders' Apartment"
POLICY, POLICY_EN = "骑手社保补贴新政", "Insurance subsidy rules"


@pytest.fixture(params=["aliyun", "tencent"])
def gateway_name(request) -> str:
    """Which gateway: the whole walk runs once with each."""
    return request.param


@pytest.fixture
def gateway(gateway_name, settings):
    """A local gateway, and this process's settings pointing the portal's sender at it."""
    gateway, server = gw.start(gateway_name)
    for name, value in {**gw.settings_for(gateway_name, gateway.url), **NO_QUIET_HOURS}.items():
        setattr(settings, name, value)
    yield gateway
    server.shutdown()
    server.server_close()


def sms_received(gateway_name: str, gateway: gw.Gateway) -> list[tuple[str, str, dict[str, str]]]:
    """What reached the gateway, in order: (phone, our SMS kind, its template params by name),
    read from each gateway's own request shape; every request signed as the gateway checks."""
    kinds = {code: kind for kind, code in gw.TEMPLATES[gateway_name].items()}
    received = []
    for request in gateway.requests:
        assert request.signature_ok
        if gateway_name == "aliyun":
            phone = request.query["PhoneNumbers"]
            kind = kinds[request.query["TemplateCode"]]
            params = json.loads(request.query["TemplateParam"])
        else:
            body = request.json()
            assert body["SmsSdkAppId"] == gw.TENCENT_APP_ID and body["SignName"] == gw.SIGN_NAME
            phone = body["PhoneNumberSet"][0].removeprefix("+86")
            kind = kinds[body["TemplateId"]]
            # Tencent's parameters are positional, in the order of the kind's template.
            params = dict(zip(sms_kind(kind).params, body["TemplateParamSet"], strict=True))
        received.append((phone, kind, {name: str(value) for name, value in params.items()}))
    return received


def inbox_items(page) -> list[tuple[str, str]]:
    """The inbox as (kind, heading and text) per message, newest first (without the "new"
    badge: the first view marks them read)."""
    items = page.locator(".inbox__item")
    return [
        (
            items.nth(n).get_attribute("data-kind") or "",
            " ".join(items.nth(n).locator("strong, p").all_inner_texts()),
        )
        for n in range(items.count())
    ]


def fits_the_phone(page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what
    assert page.evaluate(CHECKS)["small"] == [], what  # every tap target ≥ 44×44 px


def shot(page, screenshot_dir, gateway_name: str, name: str) -> None:
    path = screenshot_dir / f"messages-{gateway_name}-{name}.png"
    page.screenshot(path=str(path), full_page=True, scale="css")


def test_code_by_the_gateway_offer_by_sms_with_its_deadline_and_the_inbox_in_english(
    celery_worker_factory, gateway_name, gateway, live_server, page, sms_outbox, screenshot_dir
):
    worker = celery_worker_factory(
        env={**gw.environment_for(gateway_name, gateway.url), **NO_QUIET_HOURS}
    )
    rider = RiderFactory(name="王小骑", phone=PHONE)
    apartment = apartment_with_beds(2, name=APARTMENT)
    apartment.name_en = APARTMENT_EN
    apartment.save()
    apartments.application_submit(
        rider=rider, apartments=[apartment], desired_move_in=timezone.localdate()
    )

    # --- 1. The sign-in code comes by the gateway. ----------------------------------------------
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url("**/sign-in/code/")
    # Sent inline from the request, before the page answered: no waiting for a worker.
    [(phone, kind, params)] = sms_received(gateway_name, gateway)
    assert (phone, kind) == (PHONE, "sign_in_code")
    code = params["code"]
    assert len(code) == 6 and code.isdigit()
    assert not sms_outbox  # the test sender is out of the way: the gateway had it
    log = SMSLog.objects.get(kind="sign_in_code")
    assert (log.status, log.gateway, log.phone_masked) == (
        SMSStatus.SENT,
        gateway_name,
        "139****1616",
    )
    assert log.message_id  # the gateway's BizId / SerialNo
    # Neither the code nor the number is stored in clear.
    stored = json.dumps(SMSLog.objects.filter(pk=log.pk).values().get(), default=str)
    assert code not in stored and PHONE not in stored
    page.get_by_label("6位验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".greeting__hello").inner_text() == "你好，王小骑"

    # --- 2. Staff offer a bed: the SMS with the apartment and the deadline, Home, the inbox. ----
    application = apartments.bed_offer(
        bed=apartments.free_beds(apartment).first(), by=StaffFactory()
    )
    assert application is not None and application.rider == rider
    deadline = f"{timezone.localtime(application.offer_expires_at):%m-%d %H:%M}"
    worker.wait_until(
        lambda: SMSLog.objects.filter(kind="bed_offer", status=SMSStatus.SENT).exists(),
        what="the worker to send the offer's SMS",
    )
    assert sms_received(gateway_name, gateway)[1:] == [
        (PHONE, "bed_offer", {"apartment": APARTMENT, "deadline": deadline})
    ]
    # An announcement too (inbox only): the inbox holds more than one kind to switch language.
    notify.policy_announce(policy=POLICY, policy_en=POLICY_EN, sms=False)

    page.reload()
    offer = page.locator('[data-card="offer"]')
    assert APARTMENT in offer.inner_text()
    assert deadline in offer.locator("[data-countdown]").inner_text()
    fits_the_phone(page, "Home with the offer")
    shot(page, screenshot_dir, gateway_name, "1-home-offer")

    page.get_by_role("link", name="我的", exact=True).click()
    page.locator('main a[href="/me/inbox/"]').click()
    page.wait_for_url("**/me/inbox/")
    chinese = inbox_items(page)
    assert [kind for kind, _text in chinese] == [
        "riders.policy_announced",
        "apartments.bed_offered",
    ]
    assert POLICY in chinese[0][1]
    assert APARTMENT in chinese[1][1] and deadline in chinese[1][1]
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    fits_the_phone(page, "inbox in Chinese")
    shot(page, screenshot_dir, gateway_name, "2-inbox-zh")

    # --- 3. English with the switch in the page: the same messages, in English; and back. ------
    page.locator('form.lang button[value="en"]').click()
    page.wait_for_url("**/me/inbox/")
    assert page.locator("html").get_attribute("lang") == "en"
    english = inbox_items(page)
    assert [kind for kind, _text in english] == [kind for kind, _text in chinese]
    assert f"New policy: {POLICY_EN}" in english[0][1]
    assert (
        f"A bed is offered to you: {APARTMENT_EN} 001-A. Accept it by {deadline} on the portal."
        in english[1][1]
    )
    assert not any(name in text for _kind, text in english for name in (APARTMENT, POLICY))
    fits_the_phone(page, "inbox in English")
    shot(page, screenshot_dir, gateway_name, "3-inbox-en")
    # Home's offer card too: the apartment's English name, the same deadline.
    page.locator("nav.tabs").get_by_role("link", name="Home").click()
    page.wait_for_url(f"{live_server.url}/")
    offer = page.locator('[data-card="offer"]')
    assert APARTMENT_EN in offer.inner_text() and APARTMENT not in offer.inner_text()
    assert deadline in offer.locator("[data-countdown]").inner_text()
    fits_the_phone(page, "Home with the offer in English")

    page.goto(f"{live_server.url}/me/inbox/")
    page.locator('form.lang button[value="zh-hans"]').click()
    page.wait_for_url("**/me/inbox/")
    assert inbox_items(page) == chinese
    # Nothing more went out: one code, one offer.
    assert [kind for _phone, kind, _params in sms_received(gateway_name, gateway)] == [
        "sign_in_code",
        "bed_offer",
    ]
    assert Notification.objects.filter(recipient=rider.user).count() == 2
    worker.stop()
