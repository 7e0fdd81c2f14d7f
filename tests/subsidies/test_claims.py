"""Subsidy rule by tier and month, policy changes, rounding, caps, filing rules, proof files,
review, immutability, adjustments and payout batches."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from payouts import services as payouts
from riders.services import rider_set_tier
from subsidies import services
from subsidies.models import Claim, InsuranceType, SubsidyPolicy
from subsidies.services import SubsidyError
from tests.factories import RiderFactory, StaffFactory, photo_upload

pytestmark = pytest.mark.django_db

# One page: qpdf (subsidies/proofs.py) refuses a file without any page as damaged.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 3\n0000000000 65535 f \ntrailer<</Size 3/Root 1 0 R>>\nstartxref\n9\n%%EOF\n"
)


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def months_ago(n: int) -> dt.date:
    month = this_month()
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def pension() -> InsuranceType:
    return InsuranceType.objects.get(code="pension")


def medical() -> InsuranceType:
    return InsuranceType.objects.get(code="medical")


def file(rider, month, amounts=None, proof=None) -> Claim:
    return services.claim_file(
        rider=rider,
        month=month,
        amounts=amounts or {pension(): Decimal("520.00")},
        proof=proof or photo_upload(),
    )


def test_regular_riders_get_half_honour_riders_and_captains_all():
    month = months_ago(1)
    regular = file(RiderFactory(), month)
    honour = file(RiderFactory(tier="honour"), month)
    captain = file(
        RiderFactory(tier="captain"), month, {pension(): Decimal("520"), medical(): Decimal("180")}
    )
    assert (regular.tier, regular.subsidy) == ("regular", Decimal("260.00"))
    assert (honour.tier, honour.subsidy) == ("honour", Decimal("520.00"))
    assert captain.subsidy == Decimal("700.00") and captain.lines.count() == 2


def test_the_tier_held_in_that_month_counts_including_a_change_mid_month():
    rider = RiderFactory(joined_on=dt.date(2024, 1, 1))
    promoted_on = months_ago(1) + dt.timedelta(days=19)  # the 20th of last month
    rider_set_tier(rider=rider, tier="honour", on=promoted_on)
    before = file(rider, months_ago(2))
    during = file(rider, months_ago(1))
    assert (before.tier, before.subsidy) == ("regular", Decimal("260.00"))
    assert (during.tier, during.subsidy) == ("honour", Decimal("520.00"))


def test_a_policy_change_applies_from_its_month_and_old_claims_keep_their_rate():
    SubsidyPolicy.objects.create(
        insurance_type=pension(),
        starts_on=months_ago(1),
        voluntary_rate=Decimal("0.600"),
        honour_rate=Decimal("1.000"),
    )
    rider = RiderFactory()
    old = file(rider, months_ago(2))
    new = file(rider, months_ago(1))
    assert old.subsidy == Decimal("260.00") and new.subsidy == Decimal("312.00")


def test_rounding_to_the_fen_half_up_and_the_monthly_cap():
    claim = file(RiderFactory(), months_ago(1), {pension(): Decimal("333.33")})
    assert claim.subsidy == Decimal("166.67")  # 166.665 rounds up
    SubsidyPolicy.objects.create(
        insurance_type=medical(),
        starts_on=months_ago(1),
        voluntary_rate=Decimal("0.500"),
        honour_rate=Decimal("1.000"),
        monthly_cap=Decimal("50.00"),
    )
    capped = file(RiderFactory(tier="honour"), months_ago(1), {medical(): Decimal("180.00")})
    line = capped.lines.get()
    assert line.capped and line.subsidy == capped.subsidy == Decimal("50.00")


@pytest.mark.parametrize(
    ("month", "code"),
    [
        (lambda: (this_month() + dt.timedelta(days=32)).replace(day=1), "future"),
        (lambda: months_ago(4), "too_old"),
    ],
)
def test_future_and_too_old_months_are_refused(month, code):
    with pytest.raises(SubsidyError) as refused:
        file(RiderFactory(), month())
    assert refused.value.code == code
    assert not Claim.objects.exists()


def test_a_month_before_joining_is_refused():
    rider = RiderFactory(joined_on=this_month())
    with pytest.raises(SubsidyError) as refused:
        file(rider, months_ago(1))
    assert refused.value.code == "before_joining"


def test_one_claim_per_rider_and_month():
    rider = RiderFactory()
    first = file(rider, months_ago(1))
    with pytest.raises(SubsidyError) as refused:
        file(rider, months_ago(1))
    assert refused.value.code == "duplicate"
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            rider=rider, month=first.month, tier="regular", proof="x.jpg", total_paid=1, subsidy=0
        )


def test_a_real_pdf_is_accepted_and_fake_ones_are_refused():
    claim = file(RiderFactory(), months_ago(1), proof=SimpleUploadedFile("r.pdf", PDF))
    assert claim.proof.name.endswith(".pdf")
    for name, data, code in (
        ("fake.pdf", b"%PDF-1.4 but nothing else", "proof_damaged"),
        (
            "locked.pdf",
            PDF.replace(b"/Root 1 0 R", b"/Root 1 0 R/Encrypt 5 0 R"),
            "proof_encrypted",
        ),
        ("notes.pdf", b"hello, this is text", "photo_wrong_type"),
    ):
        with pytest.raises(DomainError) as refused:
            file(RiderFactory(), months_ago(1), proof=SimpleUploadedFile(name, data))
        assert refused.value.code == code


def test_approval_recomputes_from_the_tier_history_and_then_the_claim_is_final():
    rider = RiderFactory(joined_on=dt.date(2024, 1, 1))
    claim = file(rider, months_ago(1))
    assert claim.subsidy == Decimal("260.00")
    # The promotion was recorded after the rider filed, backdated to last month.
    rider_set_tier(rider=rider, tier="captain", on=months_ago(1))
    reviewer = StaffFactory()
    assert services.claims_approve(claims=[claim], reviewer=reviewer) == 1
    claim.refresh_from_db()
    assert (claim.status, claim.tier, claim.subsidy) == ("approved", "captain", Decimal("520.00"))
    assert claim.reviewed_by == reviewer
    assert services.claims_approve(claims=[claim], reviewer=reviewer) == 0  # no change
    with pytest.raises(SubsidyError):
        services.claim_reject(claim=claim, reviewer=reviewer, reason="补交材料")


def test_rejection_needs_a_reason_the_rider_sees():
    claim = file(RiderFactory(), months_ago(1))
    with pytest.raises(SubsidyError):
        services.claim_reject(claim=claim, reviewer=StaffFactory(), reason=" ")
    claim = services.claim_reject(claim=claim, reviewer=StaffFactory(), reason="凭证看不清")
    assert claim.status == "rejected" and claim.reason == "凭证看不清"


def test_adjustments_correct_final_claims_and_go_into_the_next_batch():
    reviewer = StaffFactory()
    waiting = file(RiderFactory(), months_ago(1))
    with pytest.raises(SubsidyError):
        services.claim_adjust(claim=waiting, amount=Decimal("10"), reason="x", by=reviewer)
    services.claims_approve(claims=[waiting], reviewer=reviewer)
    waiting.refresh_from_db()
    first = payouts.batch_create(source="subsidy", month=months_ago(1), by=reviewer)
    assert (first.item_count, first.total) == (1, Decimal("260.00"))
    payouts.batch_approve(batch=first, by=StaffFactory())
    payouts.batch_mark_paid(batch=first, by=reviewer)
    waiting.refresh_from_db()
    assert waiting.status == "paid"
    with pytest.raises(SubsidyError):
        services.claim_adjust(claim=waiting, amount=Decimal("-300"), reason="多付", by=reviewer)
    services.claim_adjust(claim=waiting, amount=Decimal("-10.00"), reason="多付 10 元", by=reviewer)
    second = payouts.batch_create(source="subsidy", month=months_ago(1), by=reviewer)
    # The adjustment alone: no claim, one item recovering ¥10.
    assert (second.item_count, second.total) == (1, Decimal("-10.00"))
    assert not second.subsidy_claims.exists() and second.subsidy_adjustments.count() == 1
    with pytest.raises(DomainError) as refused:
        payouts.batch_create(source="subsidy", month=months_ago(1), by=reviewer)
    assert refused.value.code == "nothing_to_pay"
    with pytest.raises(DomainError) as refused:
        payouts.batch_mark_paid(batch=first, by=reviewer)
    assert refused.value.code == "batch_status"


def test_rejected_and_waiting_claims_are_never_paid():
    reviewer = StaffFactory()
    waiting = file(RiderFactory(), months_ago(1))
    rejected = services.claim_reject(
        claim=file(RiderFactory(), months_ago(1)), reviewer=reviewer, reason="不符"
    )
    approved = file(RiderFactory(), months_ago(1))
    services.claims_approve(claims=[approved], reviewer=reviewer)
    batch = payouts.batch_create(source="subsidy", month=this_month(), by=reviewer)
    assert set(batch.subsidy_claims.all()) == {Claim.objects.get(pk=approved.pk)}
    assert waiting.pk not in batch.subsidy_claims.values_list("pk", flat=True)
    assert rejected.pk not in batch.subsidy_claims.values_list("pk", flat=True)


def test_the_admin_records_who_marked_a_batch_paid(client):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from core.roles import SUBSIDY_REVIEWER
    from payouts.models import PayoutBatch

    reviewer, payer = StaffFactory(), StaffFactory()
    payer.groups.add(Group.objects.get(name=SUBSIDY_REVIEWER))
    claim = file(RiderFactory(), months_ago(1))
    services.claims_approve(claims=[claim], reviewer=reviewer)
    batch = payouts.batch_create(source="subsidy", month=months_ago(1), by=reviewer)
    payouts.batch_approve(batch=batch, by=payer)
    client.force_login(payer)
    client.post(
        reverse("admin:payouts_payoutbatch_changelist"),
        {"action": "mark_paid", "_selected_action": [batch.pk]},
    )
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.PAID and batch.paid_by == payer
    claim.refresh_from_db()
    assert claim.status == "paid"
    page = client.get(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
    shown = page.context["adminform"]
    assert "paid_by" in shown.readonly_fields and "paid_by" not in shown.form.fields
