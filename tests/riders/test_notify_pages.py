"""Me → Inbox (paginated, read when shown, in the reader's language) and Me → SMS messages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from apartments import services as apartments
from core.models import Notification
from governance import workflow
from governance.services import report_ask
from riders import notify
from riders.messages import POLICY_ANNOUNCED
from riders.models import SMSOptOut
from subsidies.messages import CLAIM_APPROVED, CLAIM_REJECTED
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    apartment_with_beds,
)

pytestmark = pytest.mark.django_db
INBOX = "/me/inbox/"
PREFERENCES = "/me/sms/"
DAYTIME = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def post_messages(rider, count: int) -> None:
    notify.riders_notify(
        notices=[
            notify.Notice(
                rider, POLICY_ANNOUNCED, {"policy": {"zh-hans": f"政策{n}", "en": f"P{n}"}}
            )
            for n in range(count)
        ]
    )


def test_the_urls():
    assert reverse("riders:inbox") == INBOX and reverse("riders:sms_preferences") == PREFERENCES


@pytest.mark.parametrize("path", [INBOX, PREFERENCES])
def test_anonymous_visitors_sign_in_first_and_staff_are_refused(client, path):
    assert client.get(path).url.startswith("/sign-in/")
    client.force_login(StaffFactory())
    assert client.get(path).status_code == 403


def test_the_inbox_shows_only_the_riders_own_messages_newest_first(client):
    rider, outsider = RiderFactory(), RiderFactory()
    post_messages(rider, 2)
    post_messages(outsider, 1)
    Notification.objects.create(recipient=outsider.user, title="秘密")
    client.force_login(rider.user)
    page = client.get(INBOX).content.decode()
    assert page.count("inbox__item") == 2
    assert "秘密" not in page
    assert page.index("政策1") < page.index("政策0")


def test_the_inbox_is_paginated_and_marks_read_only_what_it_shows(client):
    rider = RiderFactory()
    post_messages(rider, 25)
    client.force_login(rider.user)
    first = client.get(INBOX).content.decode()
    assert first.count("inbox__item") == 20 and first.count("is-unread") == 20
    assert 'href="?page=2"' in first
    assert Notification.objects.filter(recipient=rider.user, read_at__isnull=True).count() == 5
    again = client.get(INBOX).content.decode()
    assert "is-unread" not in again  # read once shown
    second = client.get(INBOX, {"page": 2}).content.decode()
    assert second.count("inbox__item") == 5 and second.count("is-unread") == 5
    assert not Notification.objects.filter(recipient=rider.user, read_at__isnull=True).exists()
    # A page number out of range or not a number shows the last or the first page, no 404.
    assert client.get(INBOX, {"page": 99}).content.decode().count("inbox__item") == 5
    assert client.get(INBOX, {"page": "x"}).content.decode().count("inbox__item") == 20


def test_the_inbox_costs_the_same_queries_with_5_and_45_messages(client, django_assert_num_queries):
    small, large = RiderFactory(), RiderFactory()
    post_messages(small, 5)
    post_messages(large, 45)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(small.user)
    client.get(INBOX)  # the first view marks read; compare views with unread ones each time
    Notification.objects.update(read_at=None)
    with CaptureQueriesContext(connection) as counted:
        assert client.get(INBOX).status_code == 200
    client.force_login(large.user)
    with django_assert_num_queries(len(counted.captured_queries)):
        assert client.get(INBOX).status_code == 200


def test_the_me_page_links_to_the_inbox_and_the_sms_preferences(client):
    rider = RiderFactory()
    post_messages(rider, 1)
    client.force_login(rider.user)
    page = client.get("/me/").content.decode()
    assert f'href="{INBOX}"' in page and f'href="{PREFERENCES}"' in page


def test_every_kind_a_rider_gets_reads_in_english_after_switching(client, settings):
    """Messages stored in Chinese sessions are kinds + params: switching to English turns the
    whole inbox English, names included (Done when: "switching the portal to English shows the
    inbox in English")."""
    rider = RiderFactory()
    apartment = apartment_with_beds(1, name="李村骑手公寓")
    apartment.name_en = "Licun Riders' Apartment"
    apartment.save()
    department = DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")
    with time_machine.travel(DAYTIME, tick=False):
        apartments.application_submit(
            rider=rider, apartments=[apartment], desired_move_in=DAYTIME.date()
        )
        apartments.beds_fill(apartment=apartment, by=None)
        report = workflow.route(ReportFactory(rider=rider), department=department)
        report_ask(report=report, department=department, question="请问是几单元？")
    with time_machine.travel(DAYTIME + dt.timedelta(hours=43), tick=False):
        apartments.offer_reminders_send()
    notify.rider_notify(
        rider=rider, message=CLAIM_APPROVED, params={"month": "2026-11", "subsidy": "120.00"}
    )
    notify.rider_notify(
        rider=rider, message=CLAIM_REJECTED, params={"month": "2026-10"}, body="凭证看不清"
    )
    notify.policy_announce(policy="骑手社保补贴新政", policy_en="Insurance subsidy rules")
    client.force_login(rider.user)
    chinese = client.get(INBOX).content.decode()
    assert "李村骑手公寓" in chinese and "李沧区住建局" in chinese
    client.post("/language/", {"language": "en", "next": INBOX})
    english = client.get(INBOX).content.decode()
    for text in (
        "A bed is offered to you: Licun Riders&#x27; Apartment 001-A",
        "Your bed offer expires soon: Licun Riders&#x27; Apartment 001-A",
        f"Licang Housing Bureau asks about your report {report.public_id}",
        "Your subsidy claim for 2026-11 was approved: ¥120.00",
        "Your subsidy claim for 2026-10 was not approved",
        "凭证看不清",  # what the reviewer typed, as typed
        "请问是几单元？",
        "New policy: Insurance subsidy rules",
    ):
        assert text in english, text
    assert "李村骑手公寓" not in english and "李沧区住建局" not in english


def test_the_sms_preferences_page_shows_every_kind_on_and_the_quiet_hours(client):
    rider = RiderFactory(phone="13912345678")
    client.force_login(rider.user)
    page = client.get(PREFERENCES).content.decode()
    assert page.count('type="checkbox"') == len(notify.RIDER_SMS_KINDS)
    assert page.count("checked") == len(notify.RIDER_SMS_KINDS)
    assert "22:00–07:00" in page and "139****5678" in page


def test_a_rider_turns_kinds_off_and_on_again(client):
    rider, outsider = RiderFactory(), RiderFactory()
    SMSOptOut.objects.create(rider=outsider, kind="bed_offer")
    client.force_login(rider.user)
    response = client.post(PREFERENCES, {"kinds": ["bed_offer", "report_question"]})
    assert response.status_code == 302 and response.url == PREFERENCES
    assert notify.sms_kinds_on(rider=rider) == {"bed_offer", "report_question"}
    assert client.get(PREFERENCES).content.decode().count("checked") == 2
    client.post(PREFERENCES, {})  # nothing ticked: inbox only
    assert notify.sms_kinds_on(rider=rider) == set()
    client.post(PREFERENCES, {"kinds": list(notify.RIDER_SMS_KINDS)})
    assert notify.sms_kinds_on(rider=rider) == set(notify.RIDER_SMS_KINDS)
    # The other rider's choice is theirs.
    assert list(SMSOptOut.objects.filter(rider=outsider).values_list("kind", flat=True)) == [
        "bed_offer"
    ]


def test_an_unknown_kind_is_refused_with_a_message_and_nothing_changes(client):
    rider = RiderFactory()
    SMSOptOut.objects.create(rider=rider, kind="policy_notice")
    client.force_login(rider.user)
    response = client.post(
        PREFERENCES, {"kinds": ["bed_offer", "sign_in_code"]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "sign_in_code is not a kind of message the portal sends by SMS." in (
        response.content.decode()
    )
    assert list(SMSOptOut.objects.filter(rider=rider).values_list("kind", flat=True)) == [
        "policy_notice"
    ]


def test_the_preferences_page_in_english(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    client.post("/language/", {"language": "en", "next": PREFERENCES})
    page = client.get(PREFERENCES).content.decode()
    assert "Also send me an SMS for" in page and "Bed offer expiring" in page
