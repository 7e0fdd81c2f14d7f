"""SMS turned off by riders, in the admin: listed, searched by rider number, added or removed
for a rider who asks support; never edited in place; staff without the permission see none."""

import pytest
from django.urls import reverse

from core.models import User
from riders.models import SMSOptOut
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:riders_smsoptout_changelist")


@pytest.fixture
def boss(client):
    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    return client


def test_listed_and_searched_by_rider_number(boss):
    rider, other = RiderFactory(rider_number="QD0001"), RiderFactory(rider_number="QD0002")
    SMSOptOut.objects.create(rider=rider, kind="bed_offer")
    SMSOptOut.objects.create(rider=other, kind="policy_notice")
    page = boss.get(CHANGELIST, {"q": "QD0001"}).content.decode()
    assert "QD0001" in page and "QD0002" not in page


def test_support_turns_a_kind_off_for_a_rider_and_a_second_time_is_refused(boss):
    rider = RiderFactory()
    add = reverse("admin:riders_smsoptout_add")
    assert boss.post(add, {"rider": rider.pk, "kind": "report_question"}).status_code == 302
    again = boss.post(add, {"rider": rider.pk, "kind": "report_question"})
    # The unique constraint, as a form error (not a 500).
    assert again.status_code == 200 and again.context["adminform"].form.non_field_errors()
    bad = boss.post(add, {"rider": rider.pk, "kind": "sign_in_code"})
    assert bad.status_code == 200 and "kind" in bad.context["adminform"].form.errors
    assert SMSOptOut.objects.count() == 1


def test_a_row_is_not_edited_in_place(boss):
    row = SMSOptOut.objects.create(rider=RiderFactory(), kind="bed_offer")
    change = reverse("admin:riders_smsoptout_change", args=[row.pk])
    boss.post(change, {"rider": row.rider_id, "kind": "policy_notice"})
    row.refresh_from_db()
    assert row.kind == "bed_offer"


def test_staff_without_the_permission_are_refused(client):
    client.force_login(StaffFactory())
    assert client.get(CHANGELIST).status_code in (302, 403)
