"""The SMS log in the admin: read-only, searchable by masked number and message id, filtered."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import User
from riders.models import SMSLog, SMSStatus
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:riders_smslog_changelist"


@pytest.fixture
def boss(client):
    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    return client


def logs(count: int, **fields) -> list[SMSLog]:
    now = timezone.now()
    return SMSLog.objects.bulk_create(
        [
            SMSLog(
                kind=fields.get("kind", "bed_offer"),
                phone_masked=fields.get("phone_masked", f"138****{n:04d}"),
                gateway=fields.get("gateway", "aliyun"),
                message_id=fields.get("message_id", f"9006{n:06d}^0"),
                status=fields.get("status", SMSStatus.SENT),
                expires_at=now,
            )
            for n in range(count)
        ]
    )


def test_search_by_masked_number_or_message_id_and_filter(boss):
    logs(3)
    (tencent,) = logs(
        1,
        gateway="tencent",
        kind="sign_in_code",
        status="failed",
        phone_masked="139****0001",
        message_id="5000:77",
    )
    page = boss.get(reverse(CHANGELIST), {"q": "139****0001"})
    assert list(page.context["cl"].result_list) == [tencent]
    page = boss.get(reverse(CHANGELIST), {"q": "5000:77"})
    assert list(page.context["cl"].result_list) == [tencent]
    for filters in (
        {"gateway": "tencent"},
        {"status__exact": "failed"},
        {"kind__exact": "sign_in_code"},
    ):
        page = boss.get(reverse(CHANGELIST), filters)
        assert list(page.context["cl"].result_list) == [tencent]
    assert page.context["cl"].date_hierarchy == "created_at"
    year = timezone.localtime(tencent.created_at).year
    page = boss.get(reverse(CHANGELIST), {"created_at__year": year, "gateway": "tencent"})
    assert list(page.context["cl"].result_list) == [tencent]


def test_the_list_costs_the_same_queries_for_10_and_60_rows(boss):
    logs(10)
    boss.get(reverse(CHANGELIST))  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert boss.get(reverse(CHANGELIST)).status_code == 200
    logs(50)
    with CaptureQueriesContext(connection) as large:
        assert boss.get(reverse(CHANGELIST)).status_code == 200
    assert len(small) == len(large)


def test_the_log_is_read_only_and_shows_no_payload(boss):
    (log,) = logs(1, status="queued")
    SMSLog.objects.filter(pk=log.pk).update(payload="gAAAAAB-sealed")
    page = boss.get(reverse("admin:riders_smslog_change", args=[log.pk]))
    assert page.status_code == 200 and "gAAAAAB-sealed" not in page.content.decode()
    assert boss.post(reverse("admin:riders_smslog_change", args=[log.pk]), {}).status_code == 403
    assert boss.get(reverse("admin:riders_smslog_add")).status_code == 403
    assert boss.get(reverse("admin:riders_smslog_delete", args=[log.pk])).status_code == 403


def test_staff_without_permission_cannot_see_the_log(client):
    logs(1)
    client.force_login(StaffFactory())
    assert client.get(reverse(CHANGELIST)).status_code == 403
    client.logout()
    assert client.get(reverse(CHANGELIST)).status_code == 302  # to the sign-in page
