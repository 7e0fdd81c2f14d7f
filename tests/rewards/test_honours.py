"""The honour roll: monthly top-reporter proposals, publishing, the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.roles import CENTRE_ADMIN
from governance.models import Report
from rewards import services, tasks
from rewards.models import Honour
from tests.factories import RiderFactory, StaffFactory, validated_report

pytestmark = pytest.mark.django_db


def validated_in(rider, when: dt.datetime, count: int = 1) -> None:
    for _ in range(count):
        report = validated_report(rider=rider)
        Report.objects.filter(pk=report.pk).update(validated_at=when)


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_top_reporters_of_the_month_are_proposed_once(settings):
    settings.HONOUR_TOP_REPORTERS = 2
    best, second, third, inactive = (RiderFactory() for _ in range(4))
    validated_in(best, local(2026, 10, 10), 4)
    validated_in(second, local(2026, 10, 20), 2)
    validated_in(third, local(2026, 10, 21), 1)
    validated_in(inactive, local(2026, 10, 5), 9)
    inactive.is_active = False
    inactive.save()
    validated_in(third, local(2026, 11, 1, 0, 0), 5)  # November, Qingdao time: not counted
    validated_in(third, local(2026, 9, 30, 23, 59), 5)  # September: not counted

    proposed = services.honours_propose_top_reporters(month=dt.date(2026, 10, 1))
    assert [(h.rider, h.validated_reports) for h in proposed] == [(best, 4), (second, 2)]
    honour = proposed[0]
    assert honour.kind == "top_reporter" and honour.status == "proposed"
    assert honour.month == dt.date(2026, 10, 1) and honour.honoured_on == dt.date(2026, 10, 31)
    assert "2026-10" in honour.title and best.name in honour.story
    assert "Top reporter" in honour.title_en and "4 city problems" in honour.story_en
    assert services.honours_propose_top_reporters(month=dt.date(2026, 10, 1)) == []
    assert Honour.objects.count() == 2


def test_monthly_task_proposes_last_months_top_reporters():
    rider = RiderFactory()
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    validated_in(rider, timezone.make_aware(dt.datetime.combine(last_month, dt.time(12))))
    assert tasks.propose_top_reporters() == 1
    assert Honour.objects.get().rider == rider


def test_publish_and_withdraw_in_the_admin(client):
    rider = RiderFactory()
    validated_in(rider, local(2026, 10, 10))
    honour = services.honours_propose_top_reporters(month=dt.date(2026, 10, 1))[0]
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    client.force_login(admin)
    changelist = reverse("admin:rewards_honour_changelist")
    assert client.get(changelist, {"status": "proposed"}).status_code == 200
    client.post(changelist, {"action": "publish", "_selected_action": [honour.pk]})
    honour.refresh_from_db()
    assert honour.status == "published" and honour.published_by == admin
    assert honour.title in client.get(reverse("rewards:honours")).content.decode()
    client.post(changelist, {"action": "withdraw", "_selected_action": [honour.pk]})
    honour.refresh_from_db()
    assert honour.status == "withdrawn" and honour.withdrawn_by == admin
    assert honour.title not in client.get(reverse("rewards:honours")).content.decode()


def test_an_admin_writes_a_bravery_story_with_a_photo(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import photo_upload

    rider = RiderFactory()
    admin = StaffFactory(is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:rewards_honour_add"),
        {
            "rider": rider.pk,
            "kind": "bravery",
            "title": "雨夜救人",
            "title_en": "Rescue on a rainy night",
            "story": "送餐途中救起落水老人。",
            "story_en": "",
            "photo": photo_upload(gps=(36.1, 120.4)),
            "honoured_on": "2026-08-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    honour = Honour.objects.get()
    assert honour.status == "proposed"
    with honour.photo.open("rb") as photo:
        assert b"PhoneMaker" not in photo.read()  # EXIF gone: re-encoded
    bad = client.post(
        reverse("admin:rewards_honour_add"),
        {
            "rider": rider.pk,
            "kind": "bravery",
            "title": "x",
            "story": "y",
            "honoured_on": "2026-08-01",
            "photo": SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg"),
        },
    )
    assert bad.status_code == 200 and Honour.objects.count() == 1
