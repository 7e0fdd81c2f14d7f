"""What subsidies holds of a rider, for their export and account closure
(core/personal_data.py; registered in SubsidiesConfig.ready()).

Claims, their lines, adjustments and proofs are what the subsidy rules require kept for their
retention period (the privacy app's retention removes the proofs after it): closure keeps them
with the rider pseudonymised. A claim in review, or approved and not paid yet, blocks closure
(riders/obligations.py).
"""

from django.db.models import Q
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, json_value, register, rows_of
from payouts.models import PayoutBatch

from .models import Adjustment, Claim, ClaimLine

S = Claim.Status


def claim_open(rider) -> str | None:
    if Claim.objects.filter(rider=rider, status=S.SUBMITTED).exists():
        return _g("A subsidy claim of yours is waiting for review. Wait for the decision first.")
    unpaid_adjustment = Adjustment.objects.filter(claim__rider=rider, amount__gt=0).filter(
        Q(batch__isnull=True) | ~Q(batch__status=PayoutBatch.Status.PAID)
    )
    if Claim.objects.filter(rider=rider, status=S.APPROVED).exists() or unpaid_adjustment.exists():
        return _g(
            "A subsidy of yours is approved but not paid yet. Close your account after it has "
            "reached you."
        )
    return None


def _claims(rider):
    claims = rows_of(
        Claim.objects.filter(rider=rider).order_by("month", "id"),
        "id",
        "month",
        "tier",
        "total_paid",
        "subsidy",
        "status",
        "reason",
        "reviewed_at",
        "created_at",
        city="city__name",
        payout_batch="batch__number",
    )
    lines: dict[int, list] = {}
    for line in rows_of(
        ClaimLine.objects.filter(claim__rider=rider).order_by("id"),
        "claim_id",
        "amount_paid",
        "rate",
        "capped",
        "subsidy",
        insurance_type="insurance_type__name",
    ):
        lines.setdefault(line.pop("claim_id"), []).append(line)
    adjustments: dict[int, list] = {}
    for adjustment in rows_of(
        Adjustment.objects.filter(claim__rider=rider).order_by("id"),
        "claim_id",
        "amount",
        "reason",
        "created_at",
        payout_batch="batch__number",
    ):
        adjustments.setdefault(adjustment.pop("claim_id"), []).append(adjustment)
    for claim in claims:
        # Nested in the JSON; the CSV shows them as JSON text in one cell each.
        claim["lines"] = json_value(lines.get(claim["id"], []))
        claim["adjustments"] = json_value(adjustments.get(claim["id"], []))
    return claims


def _proofs(rider):
    return [
        (
            f"claim-{claim.month:%Y-%m}{'.pdf' if claim.proof.name.endswith('.pdf') else '.jpg'}",
            claim.proof,
        )
        for claim in Claim.objects.filter(rider=rider).exclude(proof="").order_by("month", "id")
    ]


def register_holdings() -> None:
    register(
        Holding(
            name="subsidies.claims",
            label=_("Your subsidy claims, with their proofs"),
            export=_claims,
            files=_proofs,
            kept=_(
                "Kept without your name, proofs included, for as long as the subsidy rules "
                "require: the record of public money paid."
            ),
        )
    )
    from riders.obligations import register_closure

    register_closure("subsidies.claim_open", claim_open)
