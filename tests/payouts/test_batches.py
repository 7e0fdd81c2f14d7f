"""Payout batches, one module for cash rewards and subsidies: a month's payable items, put
together by one reviewer, approved by another, exported, paid, then frozen; numbers never
reused."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.roles import DISPATCHER, SUBSIDY_REVIEWER
from payouts import services
from payouts.models import BatchNumber, PayoutBatch
from rewards.models import Award
from rewards.selectors import cash_summary
from tests.factories import RiderFactory, StaffFactory, validated_report

pytestmark = pytest.mark.django_db


def staff_in(group: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def reviewer():
    return staff_in(SUBSIDY_REVIEWER)


@pytest.fixture
def second_reviewer():
    return staff_in(SUBSIDY_REVIEWER)


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def reward_batch(by, month=None) -> PayoutBatch:
    return services.batch_create(source="reward", month=month or this_month(), by=by)


def test_a_batch_takes_the_months_unpaid_cash_rewards(reviewer):
    rider = RiderFactory()
    for _ in range(3):
        validated_report(rider=rider)
    validated_report()
    old = validated_report()
    # One award from two months ago, one from the future month are outside/inside as they fall.
    Award.objects.filter(report=old).update(created_at=timezone.now() - dt.timedelta(days=70))
    earlier = reward_batch(reviewer, month=this_month() - dt.timedelta(days=40))
    assert earlier.item_count == 1 and earlier.total == Decimal("5.00")
    batch = reward_batch(reviewer)
    assert batch.status == "draft" and batch.item_count == 4 and batch.rider_count == 2
    assert batch.total == Decimal("20.00") and batch.source == "reward"
    assert batch.number.startswith(f"PB{this_month():%Y%m}-")
    with pytest.raises(DomainError) as refused:
        reward_batch(reviewer)
    assert refused.value.code == "nothing_to_pay"
    assert PayoutBatch.objects.count() == 2  # the refused batch was rolled back


def test_points_awards_are_never_payable(reviewer):
    validated_report()
    batch = reward_batch(reviewer)
    assert set(batch.awards.values_list("kind", flat=True)) == {"cash"}


def test_future_month_is_refused(reviewer):
    validated_report()
    with pytest.raises(DomainError) as refused:
        reward_batch(reviewer, month=this_month() + dt.timedelta(days=40))
    assert refused.value.code == "future_month"
    assert not BatchNumber.objects.exists()


def test_approve_then_paid_then_frozen(reviewer, second_reviewer):
    rider = RiderFactory()
    validated_report(rider=rider)
    batch = reward_batch(reviewer)
    assert cash_summary(rider=rider).pending == Decimal("5.00")
    batch = services.batch_approve(batch=batch, by=second_reviewer)
    assert batch.approved_by == second_reviewer and batch.approved_at
    batch = services.batch_mark_paid(batch=batch, by=reviewer)
    assert batch.status == "paid" and batch.paid_at
    summary = cash_summary(rider=rider)
    assert summary.paid == Decimal("5.00") and summary.pending == Decimal("0.00")
    for step in (services.batch_approve, services.batch_mark_paid):
        with pytest.raises(DomainError):
            step(batch=batch, by=second_reviewer)
    with pytest.raises(DomainError):
        services.batch_discard(batch=batch, by=reviewer)
    assert batch.awards.count() == 1
    # Paid money is not taken again by a later batch.
    with pytest.raises(DomainError):
        reward_batch(reviewer)


def test_paying_needs_an_approval_first(reviewer):
    validated_report()
    batch = reward_batch(reviewer)
    with pytest.raises(DomainError) as refused:
        services.batch_mark_paid(batch=batch, by=reviewer)
    assert refused.value.code == "batch_status"
    batch.refresh_from_db()
    assert batch.status == "draft" and batch.paid_at is None


def test_four_eyes_the_creator_cannot_approve(reviewer):
    validated_report()
    batch = reward_batch(reviewer)
    with pytest.raises(DomainError) as refused:
        services.batch_approve(batch=batch, by=reviewer)
    assert refused.value.code == "four_eyes"
    batch.refresh_from_db()
    assert batch.status == "draft" and batch.approved_by is None


def test_four_eyes_is_a_database_rule_too(reviewer):
    validated_report()
    batch = reward_batch(reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(
            status="approved", approved_by=reviewer, approved_at=timezone.now()
        )


def test_discarding_a_draft_frees_its_items_and_never_reuses_its_number(reviewer):
    """The old count()+1 numbering: create, create, discard the first, create → the second's
    number again → IntegrityError (a 500 in the admin)."""
    first_rider, second_rider = RiderFactory(), RiderFactory()
    validated_report(rider=first_rider)
    first = reward_batch(reviewer)
    validated_report(rider=second_rider)
    second = reward_batch(reviewer)
    services.batch_discard(batch=first, by=reviewer)
    assert not PayoutBatch.objects.filter(pk=first.pk).exists()
    third = reward_batch(reviewer)
    assert third.item_count == 1
    numbers = [first.number, second.number, third.number]
    assert [n[-2:] for n in numbers] == ["01", "02", "03"]
    assert len(set(numbers)) == 3


def test_each_source_numbers_and_takes_its_own_items(reviewer):
    from subsidies import services as subsidies
    from tests.subsidies.test_claims import file, months_ago

    validated_report()
    claim = file(RiderFactory(), months_ago(1))
    subsidies.claims_approve(claims=[claim], reviewer=reviewer)
    rewards_batch = reward_batch(reviewer)
    subsidy_batch = services.batch_create(source="subsidy", month=this_month(), by=reviewer)
    assert rewards_batch.number.startswith("PB") and subsidy_batch.number.startswith("SB")
    assert rewards_batch.number[-2:] == subsidy_batch.number[-2:] == "01"
    assert (rewards_batch.awards.count(), rewards_batch.subsidy_claims.count()) == (1, 0)
    assert (subsidy_batch.awards.count(), subsidy_batch.subsidy_claims.count()) == (0, 1)
    assert subsidy_batch.total == claim.subsidy
    # Discarding a subsidy draft frees the claim; paying another marks it paid.
    services.batch_discard(batch=subsidy_batch, by=reviewer)
    claim.refresh_from_db()
    assert claim.batch_id is None and claim.status == "approved"
    again = services.batch_create(source="subsidy", month=this_month(), by=reviewer)
    assert again.number.endswith("-02")
    services.batch_approve(batch=again, by=StaffFactory())
    services.batch_mark_paid(batch=again, by=reviewer)
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.batch_id == again.pk


def test_csv_export_one_line_per_rider_after_approval(client, reviewer, second_reviewer):
    first, second = RiderFactory(rider_number="QD000001"), RiderFactory(rider_number="QD000002")
    validated_report(rider=first)
    validated_report(rider=first)
    validated_report(rider=second)
    batch = reward_batch(reviewer)
    client.force_login(reviewer)
    url = reverse("admin:payouts_payoutbatch_export", args=[batch.pk])
    assert client.get(url).status_code == 302  # a draft is not exported
    services.batch_approve(batch=batch, by=second_reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{batch.number}.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["batch", "rider_number", "rider_name", "items", "amount_yuan"]
    assert rows[1:] == [
        [batch.number, "QD000001", first.name, "2", "10.00"],
        [batch.number, "QD000002", second.name, "1", "5.00"],
    ]
    assert first.phone not in text


def test_reviewers_create_and_a_second_one_approves_in_the_admin(client, reviewer, second_reviewer):
    validated_report()
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:payouts_payoutbatch_add"),
        {"source": "reward", "month": f"{this_month():%Y-%m}"},
    )
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302 and batch.item_count == 1
    changelist = reverse("admin:payouts_payoutbatch_changelist")
    # Its creator's approval is refused with the reason, and nothing changes.
    response = client.post(
        changelist,
        {"action": "approve", "_selected_action": [batch.pk]},
        follow=True,
        headers={"accept-language": "en"},
    )
    batch.refresh_from_db()
    assert batch.status == "draft"
    assert any("someone else" in str(m) for m in response.context["messages"])
    client.force_login(second_reviewer)
    response = client.post(changelist, {"action": "approve", "_selected_action": [batch.pk]})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "approved" and batch.approved_by == second_reviewer


@pytest.mark.parametrize("month", ["2026-13", "", "next month"])
def test_bad_month_in_the_admin_form_is_a_clear_error(client, reviewer, month):
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:payouts_payoutbatch_add"), {"source": "reward", "month": month}
    )
    assert response.status_code == 200 and not PayoutBatch.objects.exists()
    assert response.context["form"].errors["month"]


def test_an_unknown_source_is_a_clear_error(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:payouts_payoutbatch_add"), {"source": "lottery", "month": "2026-01"}
    )
    assert response.status_code == 200 and not PayoutBatch.objects.exists()
    assert response.context["form"].errors["source"]


def test_nothing_to_pay_in_the_admin_is_a_form_error(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:payouts_payoutbatch_add"),
        {"source": "subsidy", "month": f"{this_month():%Y-%m}"},
    )
    assert response.status_code == 200 and not PayoutBatch.objects.exists()
    assert response.context["form"].errors["month"]
    assert not BatchNumber.objects.filter(last__gt=0).exists()


def test_dispatchers_cannot_touch_payout_batches(client):
    validated_report()
    batch = reward_batch(StaffFactory())
    services.batch_approve(batch=batch, by=StaffFactory())
    client.force_login(staff_in(DISPATCHER))
    for url in (
        reverse("admin:payouts_payoutbatch_changelist"),
        reverse("admin:payouts_payoutbatch_add"),
        reverse("admin:payouts_payoutbatch_export", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("admin:payouts_payoutbatch_changelist"),
        {"action": "mark_paid", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == "approved"


def test_staff_who_may_view_but_not_approve_do_not_get_the_action(client, reviewer):
    from django.contrib.auth.models import Permission

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_payoutbatch"))
    validated_report()
    batch = reward_batch(reviewer)
    client.force_login(viewer)
    changelist = reverse("admin:payouts_payoutbatch_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    # No action at all is offered to a viewer (Django then shows no action form).
    assert page.context["action_form"] is None
    client.post(changelist, {"action": "approve", "_selected_action": [batch.pk]})
    batch.refresh_from_db()
    assert batch.status == "draft"


def test_the_admin_records_who_approved_and_who_paid(client, reviewer, second_reviewer):
    """Two reviewers, one per step (four eyes): the batch names each of them."""
    validated_report()
    batch = reward_batch(StaffFactory())
    changelist = reverse("admin:payouts_payoutbatch_changelist")
    client.force_login(reviewer)
    client.post(changelist, {"action": "approve", "_selected_action": [batch.pk]})
    client.force_login(second_reviewer)
    client.post(changelist, {"action": "mark_paid", "_selected_action": [batch.pk]})
    batch.refresh_from_db()
    assert batch.status == "paid"
    assert (batch.approved_by, batch.paid_by) == (reviewer, second_reviewer)
    page = client.get(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
    shown = page.context["adminform"]
    assert "paid_by" in shown.readonly_fields and "paid_by" not in shown.form.fields
    assert not shown.form.fields  # nothing of a batch is edited by hand


def test_paid_by_is_recorded_by_the_service(reviewer, second_reviewer):
    validated_report()
    batch = reward_batch(reviewer)
    services.batch_approve(batch=batch, by=second_reviewer)
    payer = StaffFactory()
    assert services.batch_mark_paid(batch=batch, by=payer).paid_by == payer


def test_the_batch_list_uses_a_constant_number_of_queries(client, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:payouts_payoutbatch_changelist")
    counts = []
    for size in (1, 4):
        for _ in range(size):
            validated_report()
            reward_batch(StaffFactory())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_who_discarded_a_draft_is_in_the_audit_log(reviewer):
    from auditlog.models import LogEntry

    validated_report()
    batch = reward_batch(reviewer)
    discarder = StaffFactory()
    services.batch_discard(batch=batch, by=discarder)
    entry = LogEntry.objects.get(
        content_type__app_label="payouts", object_pk=str(batch.pk), action=LogEntry.Action.DELETE
    )
    assert entry.actor == discarder


def test_a_reward_batch_takes_its_citys_awards_only(reviewer):
    from tests.factories import DepartmentFactory, jinan

    lixia = jinan("lixia")
    jinan_rider = RiderFactory(district=lixia)
    validated_report(department=DepartmentFactory(city=jinan()), rider=jinan_rider, district=lixia)
    validated_report()
    batch = reward_batch(reviewer)  # a Qingdao reviewer's batch is Qingdao's
    assert batch.item_count == 1 and batch.total == Decimal("5.00")
    jinan_award = Award.objects.get(report__district=lixia, kind=Award.Kind.CASH)
    assert jinan_award.batch_id is None  # left for Jinan's own batch
