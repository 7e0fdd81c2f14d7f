"""A subsidy decision reaches the rider: the outcome in the inbox, an SMS that there is one."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Notification
from riders.models import SMSLog
from subsidies import services
from subsidies.messages import CLAIM_APPROVED, CLAIM_REJECTED
from subsidies.models import InsuranceType
from tests.factories import RiderFactory, StaffFactory, photo_upload

pytestmark = pytest.mark.django_db
DAYTIME = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def daytime():
    with time_machine.travel(DAYTIME, tick=False):
        yield


def filed(rider=None):
    return services.claim_file(
        rider=rider or RiderFactory(joined_on=dt.date(2024, 1, 1)),
        month=NOVEMBER,
        amounts={InsuranceType.objects.get(code="pension"): Decimal("520.00")},
        proof=photo_upload(),
    )


def test_approval_tells_the_rider_with_the_amount_and_texts_that_there_is_news(
    sms_outbox, django_capture_on_commit_callbacks
):
    claim = filed()
    with django_capture_on_commit_callbacks(execute=True):
        services.claims_approve(claims=[claim], reviewer=StaffFactory())
    note = Notification.objects.get(recipient=claim.rider.user)
    assert note.kind == CLAIM_APPROVED.kind
    assert note.params == {"month": "2026-11", "subsidy": "260.00"}
    # The SMS says only that there is a decision: an SMS can be read over a shoulder.
    (sms,) = sms_outbox
    assert (sms.kind, dict(sms.params), sms.phone) == (
        "subsidy_decision",
        {"period": "2026-11"},
        claim.rider.phone,
    )
    assert SMSLog.objects.get().status == "sent"


def test_rejection_tells_the_reason_as_typed():
    claim = filed()
    services.claim_reject(claim=claim, reviewer=StaffFactory(), reason="凭证看不清")
    note = Notification.objects.get(recipient=claim.rider.user)
    assert (note.kind, note.text) == (CLAIM_REJECTED.kind, "凭证看不清")
    assert SMSLog.objects.get().kind == "subsidy_decision"


def test_approving_many_claims_costs_the_same_queries_for_3_and_12(django_assert_num_queries):
    small = [filed() for _ in range(3)]
    large = [filed() for _ in range(12)]
    reviewer = StaffFactory()
    with CaptureQueriesContext(connection) as counted:
        assert services.claims_approve(claims=small, reviewer=reviewer) == 3
    with django_assert_num_queries(len(counted.captured_queries)):
        assert services.claims_approve(claims=large, reviewer=reviewer) == 12
    assert SMSLog.objects.filter(kind="subsidy_decision").count() == 15
