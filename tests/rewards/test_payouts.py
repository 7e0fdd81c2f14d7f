"""Payout batches: a month's unpaid cash rewards, approved, exported, paid, then frozen."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.roles import DISPATCHER, SUBSIDY_REVIEWER
from rewards import services
from rewards.models import Award, PayoutBatch
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


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def test_a_batch_takes_the_months_unpaid_cash_rewards(reviewer):
    rider = RiderFactory()
    for _ in range(3):
        validated_report(rider=rider)
    validated_report()
    old = validated_report()
    # One award from two months ago, one from the future month are outside/inside as they fall.
    Award.objects.filter(report=old).update(created_at=timezone.now() - dt.timedelta(days=70))
    earlier = services.payout_batch_create(
        month=(this_month() - dt.timedelta(days=40)), by=reviewer
    )
    assert earlier.item_count == 1 and earlier.total == Decimal("5.00")
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    assert batch.status == "draft" and batch.item_count == 4 and batch.rider_count == 2
    assert batch.total == Decimal("20.00")
    assert batch.number.startswith(f"PB{this_month():%Y%m}-")
    with pytest.raises(DomainError) as refused:
        services.payout_batch_create(month=this_month(), by=reviewer)
    assert refused.value.code == "nothing_to_pay"
    assert PayoutBatch.objects.count() == 2  # the refused batch was rolled back


def test_points_awards_are_never_payable(reviewer):
    validated_report()
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    assert set(batch.items.values_list("kind", flat=True)) == {"cash"}


def test_future_month_is_refused(reviewer):
    validated_report()
    with pytest.raises(DomainError) as refused:
        services.payout_batch_create(month=this_month() + dt.timedelta(days=40), by=reviewer)
    assert refused.value.code == "future_month"


def test_approve_then_paid_then_frozen(reviewer):
    rider = RiderFactory()
    validated_report(rider=rider)
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    assert cash_summary(rider=rider).pending == Decimal("5.00")
    batch = services.payout_batch_approve(batch=batch, by=reviewer)
    assert batch.approved_by == reviewer and batch.approved_at
    batch = services.payout_batch_mark_paid(batch=batch, by=reviewer)
    assert batch.status == "paid" and batch.paid_at
    summary = cash_summary(rider=rider)
    assert summary.paid == Decimal("5.00") and summary.pending == Decimal("0.00")
    for step in (services.payout_batch_approve, services.payout_batch_mark_paid):
        with pytest.raises(DomainError):
            step(batch=batch, by=reviewer)
    with pytest.raises(DomainError):
        services.payout_batch_discard(batch=batch, by=reviewer)
    assert batch.items.count() == 1


def test_discarding_a_draft_frees_its_items(reviewer):
    validated_report()
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    services.payout_batch_discard(batch=batch, by=reviewer)
    assert not PayoutBatch.objects.exists()
    assert services.payout_batch_create(month=this_month(), by=reviewer).item_count == 1


def test_csv_export_one_line_per_rider_after_approval(client, reviewer):
    first, second = RiderFactory(rider_number="QD000001"), RiderFactory(rider_number="QD000002")
    validated_report(rider=first)
    validated_report(rider=first)
    validated_report(rider=second)
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:rewards_payoutbatch_export", args=[batch.pk])
    assert client.get(url).status_code == 302  # a draft is not exported
    services.payout_batch_approve(batch=batch, by=reviewer)
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


def test_reviewer_creates_and_approves_in_the_admin(client, reviewer):
    validated_report()
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:rewards_payoutbatch_add"), {"month": f"{this_month():%Y-%m}"}
    )
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302 and batch.item_count == 1
    response = client.post(
        reverse("admin:rewards_payoutbatch_changelist"),
        {"action": "approve", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "approved"


def test_bad_month_in_the_admin_form_is_a_clear_error(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("admin:rewards_payoutbatch_add"), {"month": "2026-13"})
    assert response.status_code == 200 and not PayoutBatch.objects.exists()
    assert response.context["form"].errors["month"]


def test_dispatchers_cannot_touch_payout_batches(client):
    validated_report()
    batch = services.payout_batch_create(month=this_month(), by=StaffFactory())
    services.payout_batch_approve(batch=batch, by=StaffFactory())
    client.force_login(staff_in(DISPATCHER))
    for url in (
        reverse("admin:rewards_payoutbatch_changelist"),
        reverse("admin:rewards_payoutbatch_add"),
        reverse("admin:rewards_payoutbatch_export", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_the_admin_records_who_approved_and_who_paid(client, reviewer):
    """Two reviewers, one per step (four eyes): the batch names each of them."""
    payer = staff_in(SUBSIDY_REVIEWER)
    validated_report()
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    changelist = reverse("admin:rewards_payoutbatch_changelist")
    client.force_login(reviewer)
    client.post(changelist, {"action": "approve", "_selected_action": [batch.pk]})
    client.force_login(payer)
    client.post(changelist, {"action": "mark_paid", "_selected_action": [batch.pk]})
    batch.refresh_from_db()
    assert batch.status == "paid"
    assert (batch.approved_by, batch.paid_by) == (reviewer, payer)
    page = client.get(reverse("admin:rewards_payoutbatch_change", args=[batch.pk]))
    shown = page.context["adminform"]
    assert "paid_by" in shown.readonly_fields and "paid_by" not in shown.form.fields


def test_paid_by_is_recorded_by_the_service(reviewer):
    validated_report()
    batch = services.payout_batch_create(month=this_month(), by=reviewer)
    services.payout_batch_approve(batch=batch, by=reviewer)
    payer = StaffFactory()
    assert services.payout_batch_mark_paid(batch=batch, by=payer).paid_by == payer
