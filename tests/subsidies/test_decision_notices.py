"""A subsidy decision reaches the rider: the outcome in the inbox, an SMS that there is one."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Notification
from riders.models import SMSLog
from subsidies import notices, services
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


def test_rejection_tells_the_reason_as_typed(django_capture_on_commit_callbacks):
    claim = filed()
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_reject(claim=claim, reviewer=StaffFactory(), reason="凭证看不清")
    note = Notification.objects.get(recipient=claim.rider.user)
    assert (note.kind, note.text) == (CLAIM_REJECTED.kind, "凭证看不清")
    assert SMSLog.objects.get().kind == "subsidy_decision"
    claim.refresh_from_db()
    assert claim.decision_told_at is not None


def test_approving_many_claims_costs_the_same_queries_for_3_and_12(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The review and then the telling (its task), each in a constant number of queries; the
    SMS themselves are sent by their own tasks, not counted here."""
    small = [filed() for _ in range(3)]
    large = [filed() for _ in range(12)]
    reviewer = StaffFactory()
    with (
        CaptureQueriesContext(connection) as reviewed,
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert services.claims_approve(claims=small, reviewer=reviewer) == 3
    with (
        django_assert_num_queries(len(reviewed.captured_queries)),
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert services.claims_approve(claims=large, reviewer=reviewer) == 12
    with (
        CaptureQueriesContext(connection) as told,
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert notices.decisions_tell(claim_ids=[c.pk for c in small]) == 3
    with (
        django_assert_num_queries(len(told.captured_queries)),
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert notices.decisions_tell(claim_ids=[c.pk for c in large]) == 12
    assert SMSLog.objects.filter(kind="subsidy_decision").count() == 15


def test_the_review_commits_before_anyone_is_told(django_capture_on_commit_callbacks):
    """The approval itself writes no message: a task after the commit tells the riders."""
    claim = filed()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.claims_approve(claims=[claim], reviewer=StaffFactory())
    assert not Notification.objects.filter(recipient=claim.rider.user).exists()
    assert len(queued) == 1
    queued[0]()
    assert Notification.objects.filter(recipient=claim.rider.user).count() == 1


def test_a_task_run_twice_tells_once(django_capture_on_commit_callbacks):
    claim = filed()
    with django_capture_on_commit_callbacks(execute=False):
        services.claims_approve(claims=[claim], reviewer=StaffFactory())
    assert notices.decisions_tell(claim_ids=[claim.pk]) == 1
    assert notices.decisions_tell(claim_ids=[claim.pk]) == 0
    assert Notification.objects.filter(recipient=claim.rider.user).count() == 1
    assert SMSLog.objects.filter(kind="subsidy_decision").count() == 1


def test_the_sweep_tells_what_a_lost_task_left(django_capture_on_commit_callbacks):
    told_at_once, lost = filed(), filed()
    reviewer = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.claims_approve(claims=[told_at_once], reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost this task
        services.claims_approve(claims=[lost], reviewer=reviewer)
    assert notices.decisions_sweep() == 0  # too soon: its task may still be on its way
    later = timezone.now() + notices.SWEEP_AFTER + dt.timedelta(seconds=1)
    assert notices.decisions_sweep(now=later) == 1
    assert Notification.objects.filter(recipient=lost.rider.user).count() == 1
    assert Notification.objects.filter(recipient=told_at_once.rider.user).count() == 1
    assert notices.decisions_sweep(now=later) == 0


def test_the_sweep_runs_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["tell-untold-subsidy-decisions"]
    assert entry["task"] == "subsidies.tasks.sweep_untold_decisions"
