"""Rider pages and the reviewers' admin for subsidies: who may see what, bad input, queries."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.roles import DISPATCHER, SUBSIDY_REVIEWER
from payouts import services as payouts
from payouts.models import PayoutBatch
from subsidies import services
from subsidies.models import Claim, InsuranceType
from tests.factories import RiderFactory, StaffFactory, photo_upload

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def claim_for(rider, month=None, amount="520.00") -> Claim:
    return services.claim_file(
        rider=rider,
        month=month or last_month(),
        amounts={InsuranceType.objects.get(code="pension"): Decimal(amount)},
        proof=photo_upload(),
    )


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


@pytest.mark.parametrize("name", ["subsidies:list", "subsidies:new"])
def test_pages_need_a_signed_in_rider(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(StaffFactory())
    assert client.get(reverse(name)).status_code == 403


def test_file_a_claim_from_the_form(client, rider):
    pension = InsuranceType.objects.get(code="pension")
    response = client.post(
        reverse("subsidies:new"),
        {
            "month": last_month().isoformat(),
            f"paid_{pension.pk}": "520.00",
            "proof": photo_upload(),
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get(rider=rider)
    assert claim.subsidy == Decimal("260.00")
    page = client.get(reverse("subsidies:list")).content.decode()
    assert "¥260.00" in page and "待审核" in page


def test_bad_input_is_a_form_error_and_nothing_is_saved(client, rider):
    pension = InsuranceType.objects.get(code="pension")
    cases = [
        {"month": last_month().isoformat(), "proof": photo_upload()},  # no amount
        {"month": "2000-01-01", f"paid_{pension.pk}": "10", "proof": photo_upload()},  # not offered
        {"month": last_month().isoformat(), f"paid_{pension.pk}": "-5", "proof": photo_upload()},
        {
            "month": last_month().isoformat(),
            f"paid_{pension.pk}": "10",
            "proof": SimpleUploadedFile("x.pdf", b"%PDF-1.4 cut off"),
        },
    ]
    for data in cases:
        response = client.post(reverse("subsidies:new"), data)
        assert response.status_code == 200 and response.context["form"].errors, data
    assert not Claim.objects.exists()


def test_a_claimed_month_is_no_longer_offered(client, rider):
    claim_for(rider)
    page = client.get(reverse("subsidies:new")).content.decode()
    assert f'value="{last_month().isoformat()}"' not in page


def test_rejection_reason_is_shown_to_the_rider(client, rider):
    claim = claim_for(rider)
    services.claim_reject(claim=claim, reviewer=StaffFactory(), reason="凭证看不清")
    assert "凭证看不清" in client.get(reverse("subsidies:list")).content.decode()


def test_proof_only_for_the_rider_and_reviewers(client, rider):
    mine = claim_for(rider)
    theirs = claim_for(RiderFactory())
    assert client.get(reverse("subsidies:proof", args=[mine.pk])).status_code == 200
    assert client.get(reverse("subsidies:proof", args=[theirs.pk])).status_code == 404
    reviewer = StaffFactory()
    reviewer.groups.add(Group.objects.get(name=SUBSIDY_REVIEWER))
    client.force_login(reviewer)
    assert client.get(reverse("subsidies:proof", args=[theirs.pk])).status_code == 200


def test_my_claims_constant_queries(client, rider, django_assert_max_num_queries):
    months = [last_month()]
    for _ in range(3):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    rider.joined_on = dt.date(2020, 1, 1)
    rider.save()
    for size in (1, 3):
        for month in months[:size]:
            if not Claim.objects.filter(rider=rider, month=month).exists():
                claim_for(rider, month)
        with django_assert_max_num_queries(6):
            assert client.get(reverse("subsidies:list")).status_code == 200


def reviewer_client(client):
    reviewer = StaffFactory()
    reviewer.groups.add(Group.objects.get(name=SUBSIDY_REVIEWER))
    client.force_login(reviewer)
    return reviewer


def test_reviewer_bulk_approves_batches_and_exports(client):
    honour = RiderFactory(tier="honour", rider_number="QD2")
    regular = RiderFactory(rider_number="QD1")
    claims = [claim_for(honour), claim_for(regular)]
    reviewer_client(client)
    client.post(
        reverse("admin:subsidies_claim_changelist"),
        {"action": "approve", "_selected_action": [c.pk for c in claims]},
    )
    assert set(Claim.objects.values_list("status", flat=True)) == {"approved"}
    response = client.post(
        reverse("admin:payouts_payoutbatch_add"),
        {"source": "subsidy", "month": f"{last_month():%Y-%m}"},
    )
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302 and batch.total == Decimal("780.00")
    assert (batch.source, batch.item_count, batch.rider_count) == ("subsidy", 2, 2)
    export_url = reverse("admin:payouts_payoutbatch_export", args=[batch.pk])
    assert client.get(export_url).status_code == 302  # a draft is not exported
    payouts.batch_approve(batch=batch, by=StaffFactory())
    export = client.get(export_url)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [(r[1], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("QD1", "regular", "520.00", "260.00"),
        ("QD2", "honour", "520.00", "520.00"),
    ]
    assert honour.phone not in "".join(",".join(r) for r in rows)


def test_reviewer_rejects_with_the_reason_typed(client):
    claim = claim_for(RiderFactory())
    reviewer_client(client)
    changelist = reverse("admin:subsidies_claim_changelist")
    client.post(changelist, {"action": "reject", "_selected_action": [claim.pk], "reason": ""})
    claim.refresh_from_db()
    assert claim.status == "submitted"
    client.post(
        changelist, {"action": "reject", "_selected_action": [claim.pk], "reason": "金额不符"}
    )
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("rejected", "金额不符")


def test_dispatchers_cannot_review_claims(client):
    dispatcher = StaffFactory()
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(dispatcher)
    assert client.get(reverse("admin:subsidies_claim_changelist")).status_code == 403


def test_a_reviewer_opening_a_proof_is_logged_the_rider_is_not(client, rider):
    from auditlog.models import LogEntry

    mine = claim_for(rider)
    client.get(reverse("subsidies:proof", args=[mine.pk]))
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    reviewer = StaffFactory()
    reviewer.groups.add(Group.objects.get(name=SUBSIDY_REVIEWER))
    client.force_login(reviewer)
    assert client.get(reverse("subsidies:proof", args=[mine.pk])).status_code == 200
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.actor == reviewer
    assert entry.object_pk == str(rider.pk)
    assert entry.additional_data["view"] == "subsidy proof"
