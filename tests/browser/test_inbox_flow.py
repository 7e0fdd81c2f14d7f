"""Me → Inbox and Me → SMS messages in Chromium at 390×844 (issue 16): more than a page of
messages, read by being shown, the unread count on Me going down and "Mark all as read"; a kind
of SMS turned off and kept so, sign-in codes shown as always by SMS. Nothing wider than the
phone, every tap target ≥ 44 px."""

import pytest

from core.messages import bilingual
from riders import notify
from riders.messages import POLICY_ANNOUNCED
from riders.models import RIDER_SMS_KINDS
from tests.browser.test_accessibility import assert_accessible
from tests.factories import RiderFactory

pytestmark = pytest.mark.browser

INBOX, PREFERENCES = "/me/inbox/", "/me/sms/"


@pytest.fixture
def rider(transactional_db):
    return RiderFactory(name="王小骑", phone="13912345678")


def post_policies(rider, numbers: range) -> None:
    notify.riders_notify(
        notices=[
            notify.Notice(
                rider, POLICY_ANNOUNCED, {"policy": bilingual(zh=f"政策{n}", en=f"Policy {n}")}
            )
            for n in numbers
        ]
    )


def headings(page) -> list[str]:
    return page.locator(".inbox__item strong").all_inner_texts()


def assert_policies(page, numbers: range) -> None:
    """The page lists exactly these announcements, in this order ("新政策：政策24", …)."""
    shown = headings(page)
    assert len(shown) == len(numbers)
    for n, heading in zip(numbers, shown, strict=True):
        assert heading.endswith(f"：政策{n}"), (n, heading)


def unread_badge(page) -> str | None:
    """The unread count next to Me's inbox heading; None when there is none."""
    badge = page.locator("#inbox-title .badge")
    return badge.inner_text() if badge.count() else None


def fits_the_phone(page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what
    assert_accessible(page, what)  # tap targets ≥ 44×44 px, labels, contrast


def test_the_inbox_pages_marks_read_what_it_shows_and_counts_the_rest(
    sign_in_rider, rider, live_server, screenshot_dir
):
    outsider = RiderFactory()
    post_policies(rider, range(25))
    notify.rider_notify(
        rider=outsider, message=POLICY_ANNOUNCED, params={"policy": bilingual(zh="别人的政策")}
    )
    page = sign_in_rider(rider)
    page.locator("nav.tabs").get_by_role("link", name="我的").click()
    page.wait_for_url(f"{live_server.url}/me/")
    assert unread_badge(page) == "25"

    page.locator(f'main a[href="{INBOX}"]').click()
    page.wait_for_url(f"{live_server.url}{INBOX}")
    # Newest first, twenty to a page, all new; only the rider's own.
    assert_policies(page, range(24, 4, -1))
    assert page.locator(".inbox__item.is-unread").count() == 20
    assert page.locator(".inbox__item .badge").count() == 20
    assert "别人的政策" not in page.content()
    assert page.locator('.pager a[rel="prev"]').count() == 0
    fits_the_phone(page, "inbox, page 1")
    page.screenshot(path=str(screenshot_dir / "inbox-page-1.png"), full_page=True, scale="css")

    # What the page showed is read now: Me counts the five not yet seen.
    page.locator("nav.tabs").get_by_role("link", name="我的").click()
    page.wait_for_url(f"{live_server.url}/me/")
    assert unread_badge(page) == "5"

    page.goto(f"{live_server.url}{INBOX}")
    assert page.locator(".inbox__item.is-unread").count() == 0  # seen before
    page.locator('.pager a[rel="next"]').click()
    page.wait_for_url(f"{live_server.url}{INBOX}?page=2")
    assert_policies(page, range(4, -1, -1))
    assert page.locator(".inbox__item.is-unread").count() == 5
    assert page.locator('.pager a[rel="next"]').count() == 0
    fits_the_phone(page, "inbox, page 2")
    page.locator('.pager a[rel="prev"]').click()
    page.wait_for_url(f"{live_server.url}{INBOX}?page=1")
    assert len(headings(page)) == 20

    page.locator("nav.tabs").get_by_role("link", name="我的").click()
    page.wait_for_url(f"{live_server.url}/me/")
    assert unread_badge(page) is None
    assert page.locator(".inbox__item.is-unread").count() == 0

    # Three more arrive; "Mark all as read" on Me clears the count without opening them.
    post_policies(rider, range(25, 28))
    page.reload()
    assert unread_badge(page) == "3"
    assert page.locator(".inbox__item.is-unread").count() == 3
    fits_the_phone(page, "Me with unread messages")
    page.locator('form[action="/me/inbox/read/"] button').click()
    page.wait_for_url(f"{live_server.url}/me/")
    assert unread_badge(page) is None
    assert page.locator(".inbox__item.is-unread").count() == 0
    assert rider.user.notifications.filter(read_at__isnull=True).count() == 0
    assert outsider.user.notifications.filter(read_at__isnull=True).count() == 1  # theirs

    # Signed out, the inbox asks for the sign-in first.
    page.get_by_role("button", name="退出登录").click()
    page.goto(f"{live_server.url}{INBOX}")
    assert page.url.startswith(f"{live_server.url}/sign-in/")


def checkboxes(page) -> dict[str, bool]:
    boxes = page.locator('main input[type="checkbox"][name="kinds"]')
    return {
        boxes.nth(n).get_attribute("value") or "": boxes.nth(n).is_checked()
        for n in range(boxes.count())
    }


def test_a_kind_turned_off_stays_off_and_sign_in_codes_always_come(
    sign_in_rider, rider, live_server, screenshot_dir
):
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/me/")
    page.locator(f'main a[href="{PREFERENCES}"]').first.click()
    page.wait_for_url(f"{live_server.url}{PREFERENCES}")
    # Every kind a rider may get is a choice, all on at first; none is disabled.
    assert checkboxes(page) == dict.fromkeys(RIDER_SMS_KINDS, True)
    assert page.locator('main input[type="checkbox"]:disabled').count() == 0
    # The sign-in code is not a choice (no phone sign-in without it): said, not offered.
    assert "sign_in_code" not in checkboxes(page)
    assert page.locator('[data-always-sms="sign_in_code"]').is_visible()
    assert "139****5678" in page.locator("main form").inner_text()
    assert "13912345678" not in page.content()
    fits_the_phone(page, "SMS preferences")
    page.screenshot(path=str(screenshot_dir / "sms-preferences.png"), full_page=True, scale="css")

    # Announcements off: a tap on the label's text toggles its box (the label wraps it).
    page.locator("label.choice", has=page.locator('input[value="policy_notice"]')).click()
    assert checkboxes(page)["policy_notice"] is False
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}{PREFERENCES}")
    assert page.locator(".messages .msg--success").is_visible()
    fits_the_phone(page, "SMS preferences, saved")
    page.reload()  # kept: read back from the database, not the form just sent
    assert checkboxes(page) == {kind: kind != "policy_notice" for kind in RIDER_SMS_KINDS}
    assert notify.sms_kinds_on(rider=rider) == set(RIDER_SMS_KINDS) - {"policy_notice"}
    # And it is what the notification service reads: the next policy comes to the inbox only.
    told = notify.rider_notify(
        rider=rider,
        message=POLICY_ANNOUNCED,
        params={"policy": bilingual(zh="新政")},
        sms=notify.SMSNotice("policy_notice", {"policy": "新政"}),
    )
    assert (told.sms_decision, told.sms) == (notify.OPTED_OUT, None)

    # And on again.
    page.locator('input[value="policy_notice"]').check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}{PREFERENCES}")
    assert checkboxes(page) == dict.fromkeys(RIDER_SMS_KINDS, True)
    assert notify.sms_kinds_on(rider=rider) == set(RIDER_SMS_KINDS)

    # The same page in English, with the switch in the page; the choices unchanged.
    page.locator('form.lang button[value="en"]').click()
    page.wait_for_url(f"{live_server.url}{PREFERENCES}")
    assert page.locator("legend").inner_text() == "Also send me an SMS for"
    assert checkboxes(page) == dict.fromkeys(RIDER_SMS_KINDS, True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Its tap targets: test_the_english_preferences_keep_every_box_44_px below.


def test_the_english_preferences_keep_every_box_44_px(sign_in_rider, rider, live_server):
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}{PREFERENCES}")
    page.locator('form.lang button[value="en"]').click()
    page.wait_for_url(f"{live_server.url}{PREFERENCES}")
    assert page.locator("html").get_attribute("lang") == "en"
    fits_the_phone(page, "SMS preferences in English")
