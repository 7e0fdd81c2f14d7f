"""Optional consents (issue 20): set and changed in Me → Privacy, never blocking; SMS notices
only with consent (the inbox always); the honour roll without consent: no photo, no story,
a masked name."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Notification
from privacy import services
from privacy.models import ConsentChoice, ConsentEvent, Purpose
from privacy.selectors import consents_for, masked_name
from rewards.models import Honour
from riders import notify
from riders.messages import POLICY_ANNOUNCED
from riders.models import SMSLog
from tests.factories import RiderFactory, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """The messages asserted below are the English source strings: read the pages in English
    (Chinese is the default; the translations are checked by tests/core/test_translations.py)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


MINE = "/me/privacy/"


def signed_in(client, rider):
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return client


# --- the service ------------------------------------------------------------------------------


def test_consents_are_opt_in_and_each_change_is_history():
    rider = RiderFactory(consents=())
    assert consents_for(rider=rider) == {"sms_notices": False, "honour_roll_public": False}
    assert services.consents_set(rider=rider, choices={"sms_notices": True}) == ["sms_notices"]
    assert services.consents_set(rider=rider, choices={"sms_notices": True}) == []  # no change
    assert services.consents_set(rider=rider, choices={"sms_notices": False}) == ["sms_notices"]
    assert consents_for(rider=rider)["sms_notices"] is False
    assert list(
        ConsentEvent.objects.filter(rider=rider).order_by("id").values_list("granted", flat=True)
    ) == [True, False]
    assert set(ConsentEvent.objects.values_list("notice_version", flat=True)) == {1}


def test_an_unknown_purpose_changes_nothing():
    rider = RiderFactory(consents=())
    with pytest.raises(ValueError, match="sell_my_data"):
        services.consents_set(rider=rider, choices={"sms_notices": True, "sell_my_data": True})
    assert not ConsentChoice.objects.filter(rider=rider).exists()
    assert not ConsentEvent.objects.filter(rider=rider).exists()


def test_the_database_refuses_an_unknown_purpose_and_a_second_row():
    rider = RiderFactory(consents=())
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentChoice.objects.create(rider=rider, purpose="x", granted=True, changed_at=now)
    ConsentChoice.objects.create(rider=rider, purpose="sms_notices", granted=True, changed_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentChoice.objects.create(
            rider=rider, purpose="sms_notices", granted=False, changed_at=now
        )


def test_consent_history_cannot_be_rewritten():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    rider = RiderFactory(consents=())
    services.consents_set(rider=rider, choices={"sms_notices": True})
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(rider=rider).update(granted=False)


# --- Me → Privacy -------------------------------------------------------------------------------


def test_me_links_to_the_privacy_page(client):
    signed_in(client, RiderFactory())
    assert 'href="/me/privacy/"' in client.get("/me/").content.decode()


def test_the_privacy_page_shows_the_acceptance_and_changes_the_consents(client):
    rider = RiderFactory(consents=())
    signed_in(client, rider)
    page = client.get(MINE).content.decode()
    assert "version 1" in page and 'href="/me/data/"' in page
    response = client.post(MINE, {"consents": ["honour_roll_public"]})
    assert response.status_code == 302 and response.url == MINE
    assert consents_for(rider=rider) == {"sms_notices": False, "honour_roll_public": True}
    client.post(MINE, {})  # all unticked: withdrawn
    assert consents_for(rider=rider) == {"sms_notices": False, "honour_roll_public": False}
    assert "checked" not in client.get(MINE).content.decode().split("<fieldset")[1]


def test_a_tampered_purpose_on_the_privacy_page_is_a_400_and_changes_nothing(client):
    rider = RiderFactory(consents=())
    signed_in(client, rider)
    response = client.post(MINE, {"consents": ["sms_notices", "location_tracking"]})
    assert response.status_code == 400
    assert "location_tracking is not something you can agree to here." in response.content.decode()
    assert not ConsentChoice.objects.filter(rider=rider).exists()


def test_the_privacy_page_is_the_riders_own(client):
    assert client.get(MINE).status_code == 302  # anonymous: to sign-in
    rider, other = RiderFactory(consents=()), RiderFactory(consents=())
    signed_in(client, rider)
    client.post(MINE, {"consents": ["sms_notices"]})
    assert consents_for(rider=other)["sms_notices"] is False


def test_refusing_every_consent_blocks_no_page(client):
    signed_in(client, RiderFactory(consents=()))
    for path in ("/", "/me/", "/services/", "/report/", "/honours/", "/me/inbox/", "/me/sms/"):
        assert client.get(path).status_code == 200, path


# --- SMS notices ----------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def daytime():
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=SHANGHAI), tick=False):
        yield


def offer(rider) -> notify.Notice:
    sms = notify.SMSNotice("bed_offer", {"apartment": "李村公寓", "deadline": "12-05 10:00"})
    return notify.Notice(rider, POLICY_ANNOUNCED, {"policy": "新政"}, "/apartments/mine/", "", sms)


def test_without_sms_consent_the_inbox_only(daytime):
    consenting, refusing = RiderFactory(), RiderFactory(consents=("honour_roll_public",))
    told = notify.riders_notify(notices=[offer(consenting), offer(refusing)])
    assert [n.sms_decision for n in told] == [notify.QUEUED, notify.NO_CONSENT]
    assert Notification.objects.filter(recipient=refusing.user).count() == 1
    assert list(SMSLog.objects.values_list("phone_masked", flat=True)) == [consenting.masked_phone]


def test_a_withdrawn_sms_consent_stops_the_sms(daytime):
    rider = RiderFactory()
    services.consents_set(rider=rider, choices={Purpose.SMS_NOTICES: False})
    assert notify.riders_notify(notices=[offer(rider)])[0].sms_decision == notify.NO_CONSENT
    assert not SMSLog.objects.exists()


def test_sign_in_codes_are_never_gated(client, sms_outbox):
    rider = RiderFactory(consents=())
    client.post("/sign-in/", {"phone": rider.phone})
    assert [m.kind for m in sms_outbox] == ["sign_in_code"]


def test_the_consents_cost_one_query_per_batch_whatever_its_size(daytime):
    def batch(n: int, **kwargs):
        return [offer(RiderFactory(**kwargs)) for _ in range(n)]

    small, large = batch(5), batch(30)
    with CaptureQueriesContext(connection) as first:
        notify.riders_notify(notices=small)
    with CaptureQueriesContext(connection) as second:
        notify.riders_notify(notices=large)
    assert len(first) == len(second)
    assert sum("privacy_consentchoice" in q["sql"] for q in second.captured_queries) == 1


# --- the honour roll ---------------------------------------------------------------------------


def publish_honour(rider) -> Honour:
    honour = Honour(
        rider=rider,
        kind="bravery",
        title="见义勇为",
        story="雨夜救起落水老人",
        honoured_on=timezone.localdate(),
        status="published",
        published_at=timezone.now(),
    )
    honour.photo.save("p.jpg", ContentFile(jpeg_bytes((96, 96))), save=False)
    honour.save()
    return honour


def test_masked_names():
    assert masked_name("王小骑") == "王**"
    assert masked_name("李四") == "李*"
    assert masked_name("A") == "A*"
    assert masked_name("") == ""


def test_the_honour_roll_without_consent_has_no_photo_no_story_and_a_masked_name(client):
    shown = publish_honour(RiderFactory(name="张公开", station="公开站"))
    hidden = publish_honour(RiderFactory(name="李不公开", station="隐藏站", consents=()))
    page = client.get("/honours/").content.decode()
    assert "张公开" in page and "公开站" in page
    assert f"/honours/{shown.pk}/photo/" in page
    assert "李不公开" not in page and "李***" in page and "隐藏站" not in page
    assert f"/honours/{hidden.pk}/photo/" not in page
    assert page.count("雨夜救起落水老人") == 1
    assert client.get(f"/honours/{hidden.pk}/photo/").status_code == 404
    assert client.get(f"/honours/{shown.pk}/photo/").status_code == 200


def test_the_hall_screen_without_consent_too(client):
    from hall.models import HallDisplay

    display = HallDisplay.objects.create(label="大厅")
    publish_honour(RiderFactory(name="李不公开", station="隐藏站", consents=()))
    data = client.get(f"/hall/{display.token}/data.json").json()
    (honour,) = data["honours"]
    assert (honour["name"], honour["station"], honour["story"], honour["photo"]) == (
        "李***",
        "",
        "",
        "",
    )


def test_a_withdrawn_honour_consent_hides_them_at_once(client):
    rider = RiderFactory(name="张公开")
    publish_honour(rider)
    services.consents_set(rider=rider, choices={"honour_roll_public": False})
    assert "张公开" not in client.get("/honours/").content.decode()


def test_the_honour_roll_costs_the_same_queries_for_2_and_12(client, django_assert_num_queries):
    for n in range(2):
        publish_honour(RiderFactory(consents=() if n % 2 else None))
    with CaptureQueriesContext(connection) as first:
        client.get("/honours/")
    for n in range(10):
        publish_honour(RiderFactory(consents=() if n % 2 else None))
    with django_assert_num_queries(len(first)):
        client.get("/honours/")
