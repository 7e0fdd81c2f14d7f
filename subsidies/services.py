"""Writes for social-insurance subsidies: filing, review (with the subsidy recomputed from the
tier history and the dated policy), adjustments. Payment goes through payouts
(subsidies.payouts.SubsidyPayments).

    submitted ──approve──▶ approved ──(batch paid)──▶ paid
        └──────reject (with a reason)──▶ rejected

The subsidy for a line is amount paid × rate, rounded half-up to the fen, then capped by the
policy's monthly cap; the claim's subsidy is the sum of its lines (docs/subsidies.md).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import User
from core.queue import enqueue_on_commit
from riders.models import Rider, Tier
from riders.selectors import rider_tier_in_month, tiers_in_month

from .models import Adjustment, Claim, ClaimLine, InsuranceType, SubsidyPolicy
from .notices import TELL_CHUNK
from .proofs import process_proof
from .tasks import tell_decisions

S = Claim.Status
CENT = Decimal("0.01")


class SubsidyError(DomainError):
    code = "subsidy_error"


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class LineResult:
    insurance_type: InsuranceType
    amount_paid: Decimal
    policy: SubsidyPolicy
    rate: Decimal
    capped: bool
    subsidy: Decimal


def subsidy_for(
    *, amount_paid: Decimal, tier: str, policy: SubsidyPolicy
) -> tuple[Decimal, Decimal, bool]:
    """(rate, subsidy, capped) for one insurance line."""
    rate = policy.voluntary_rate if tier == Tier.REGULAR else policy.honour_rate
    subsidy = (amount_paid * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    if policy.monthly_cap is not None and subsidy > policy.monthly_cap:
        return rate, policy.monthly_cap, True
    return rate, subsidy, False


def policies_for(month: dt.date, city_id: int | None = None) -> dict[int, SubsidyPolicy]:
    """Per insurance type id, the policy in force in `month` (latest start on or before it)
    for city `city_id`: the city's own table where it has a policy for that type in force,
    else the national one (no city). A city's table replaces the national one type by type,
    so a city that set its own pension rate keeps it when the national rate changes later."""
    national: dict[int, SubsidyPolicy] = {}
    own: dict[int, SubsidyPolicy] = {}
    policies = SubsidyPolicy.objects.filter(
        Q(city__isnull=True) | Q(city_id=city_id), starts_on__lte=month
    ).order_by("starts_on", "pk")
    for policy in policies:
        (national if policy.city_id is None else own)[policy.insurance_type_id] = policy
    return {**national, **own}


def _compute(
    *,
    tier: str,
    month: dt.date,
    amounts: dict[InsuranceType, Decimal],
    city_id: int | None = None,
    policies: dict[int, SubsidyPolicy] | None = None,
) -> list[LineResult]:
    policies = policies if policies is not None else policies_for(month, city_id)
    results = []
    for insurance_type, amount in amounts.items():
        policy = policies.get(insurance_type.pk)
        if policy is None:
            raise SubsidyError(
                _("There is no subsidy for %(type)s in %(month)s.")
                % {"type": insurance_type, "month": f"{month:%Y-%m}"},
                code="no_policy",
            )
        rate, subsidy, capped = subsidy_for(amount_paid=amount, tier=tier, policy=policy)
        results.append(LineResult(insurance_type, amount, policy, rate, capped, subsidy))
    return results


def claim_check(
    *, rider: Rider, month: dt.date, amounts: dict[InsuranceType, Decimal]
) -> tuple[str, list[LineResult]]:
    """Every rule of a claim but its proof: (the tier that counts, the computed lines), or the
    SubsidyError a rider would get from `claim_file`. The claim form calls it before the claim
    is filed too, so a month or amount problem is reported with the proof's in one go."""
    month = month.replace(day=1)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    if not rider.is_active:
        raise SubsidyError(_("Your rider account is not active."), code="rider_inactive")
    if month > this_month:
        raise SubsidyError(_("You cannot claim for a month that has not come yet."), code="future")
    if month < rider.joined_on.replace(day=1):
        raise SubsidyError(
            _("You joined on %(date)s; you cannot claim for a month before that.")
            % {"date": rider.joined_on.isoformat()},
            code="before_joining",
        )
    window = settings.SUBSIDY_FILING_WINDOW_MONTHS
    if _month_index(this_month) - _month_index(month) > window:
        raise SubsidyError(
            _("Claims are accepted up to %(months)d months back; %(month)s is too old.")
            % {"months": window, "month": f"{month:%Y-%m}"},
            code="too_old",
        )
    amounts = {t: a for t, a in amounts.items() if a}
    if not amounts:
        raise SubsidyError(_("Enter what you paid for at least one insurance."), code="no_amount")
    if any(a <= 0 for a in amounts.values()) or any(not t.is_active for t in amounts):
        raise SubsidyError(_("Amounts must be more than zero."), code="bad_amount")
    tier = rider_tier_in_month(rider=rider, year=month.year, month=month.month)
    if tier is None:
        raise SubsidyError(_("You were not a registered rider in that month."), code="no_tier")
    return tier, _compute(tier=tier, month=month, amounts=amounts, city_id=rider.district.city_id)


def claim_file(
    *, rider: Rider, month: dt.date, amounts: dict[InsuranceType, Decimal], proof: "File[bytes]"
) -> Claim:
    """A rider claims for one month: what they paid per insurance type, with proof (checked
    here unless it is already a CheckedProof from the form)."""
    month = month.replace(day=1)
    tier, lines = claim_check(rider=rider, month=month, amounts=amounts)
    amounts = {t: a for t, a in amounts.items() if a}
    stored_proof = process_proof(proof)
    try:
        with transaction.atomic():
            claim = Claim(
                rider=rider,
                # The city that pays: the rider's now; it stays if the rider moves later.
                city_id=rider.district.city_id,
                month=month,
                tier=tier,
                total_paid=sum(amounts.values()),
                subsidy=sum(line.subsidy for line in lines),
            )
            claim.proof.save(stored_proof.name or "proof", stored_proof, save=False)
            claim.save()
            ClaimLine.objects.bulk_create(
                ClaimLine(
                    claim=claim,
                    insurance_type=line.insurance_type,
                    amount_paid=line.amount_paid,
                    policy=line.policy,
                    rate=line.rate,
                    capped=line.capped,
                    subsidy=line.subsidy,
                )
                for line in lines
            )
    except IntegrityError as error:
        raise SubsidyError(
            _("You have already filed a claim for %(month)s.") % {"month": f"{month:%Y-%m}"},
            code="duplicate",
        ) from error
    return claim


def claims_approve(*, claims: Iterable[Claim], reviewer: User) -> int:
    """Approve waiting claims; each subsidy is computed again from the tier history and the
    policy as they stand now (a promotion recorded after filing counts).

    Set-based for a whole month of claims: one query for the tiers of each month, writes only
    for the claims whose amount changed (rare: a late tier change), and one UPDATE per 5,000
    claims for the status (bench/subsidy_batch.py).
    """
    ids = [c.pk for c in claims]
    now = timezone.now()
    with transaction.atomic():
        waiting = list(
            Claim.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, status=S.SUBMITTED)
            .only("pk", "rider_id", "city_id", "month", "tier", "subsidy")
        )
        lines = list(
            ClaimLine.objects.filter(claim__in=[c.pk for c in waiting]).only(
                "pk",
                "claim_id",
                "insurance_type_id",
                "amount_paid",
                "policy_id",
                "rate",
                "subsidy",
                "capped",
            )
        )
        by_claim: dict[int, list[ClaimLine]] = {}
        for line in lines:
            by_claim.setdefault(line.claim_id, []).append(line)
        tiers, policies = {}, {}
        for month in {claim.month for claim in waiting}:
            riders = [c.rider_id for c in waiting if c.month == month]
            tiers[month] = tiers_in_month(rider_ids=riders, year=month.year, month=month.month)
        # Each claim by its own city's policy table (a query per city and month).
        for month, city_id in {(claim.month, claim.city_id) for claim in waiting}:
            policies[month, city_id] = policies_for(month, city_id)
        changed_claims, changed_lines = [], []
        for claim in waiting:
            tier = tiers[claim.month].get(claim.rider_id, claim.tier)
            total = Decimal("0.00")
            for line in by_claim.get(claim.pk, []):
                policy = policies[claim.month, claim.city_id][line.insurance_type_id]
                rate, subsidy, capped = subsidy_for(
                    amount_paid=line.amount_paid, tier=tier, policy=policy
                )
                if (line.policy_id, line.rate, line.subsidy, line.capped) != (
                    policy.pk,
                    rate,
                    subsidy,
                    capped,
                ):
                    line.policy, line.rate, line.subsidy, line.capped = (
                        policy,
                        rate,
                        subsidy,
                        capped,
                    )
                    changed_lines.append(line)
                total += subsidy
            if (claim.tier, claim.subsidy) != (tier, total):
                claim.tier, claim.subsidy = tier, total
                changed_claims.append(claim)
        ClaimLine.objects.bulk_update(
            changed_lines, ["policy", "rate", "subsidy", "capped"], batch_size=500
        )
        Claim.objects.bulk_update(changed_claims, ["tier", "subsidy"], batch_size=500)
        waiting_ids = [c.pk for c in waiting]
        for start in range(0, len(waiting_ids), 5000):
            Claim.objects.filter(pk__in=waiting_ids[start : start + 5000]).update(
                status=S.APPROVED, reviewed_by=reviewer, reviewed_at=now
            )
        # The riders are told after the commit, a task per chunk (subsidies/notices.py): the
        # review of 41,000 claims does not wait on 82,000 messages.
        for start in range(0, len(waiting_ids), TELL_CHUNK):
            enqueue_on_commit(tell_decisions, waiting_ids[start : start + TELL_CHUNK])
    return len(waiting)


def claim_reject(*, claim: Claim, reviewer: User, reason: str) -> Claim:
    reason = reason.strip()
    if not reason:
        raise SubsidyError(_("Give the reason, the rider will see it."), code="reason_required")
    updated = Claim.objects.filter(pk=claim.pk, status=S.SUBMITTED).update(
        status=S.REJECTED, reason=reason, reviewed_by=reviewer, reviewed_at=timezone.now()
    )
    if not updated:
        raise SubsidyError(_("Only a claim waiting for review can be rejected."), code="final")
    claim.refresh_from_db()
    enqueue_on_commit(tell_decisions, [claim.pk])
    return claim


def claim_adjust(*, claim: Claim, amount: Decimal, reason: str, by: User) -> Adjustment:
    """Correct an approved or paid claim with a new entry; the claim itself never changes."""
    claim_adjust_check(claim=claim, amount=amount, reason=reason)
    return Adjustment.objects.create(
        claim=claim, amount=amount, reason=reason.strip(), created_by=by
    )


def claim_adjust_check(*, claim: Claim, amount: Decimal, reason: str) -> None:
    if not claim.is_final:
        raise SubsidyError(
            _("Only an approved or paid claim is corrected by an adjustment."), code="not_final"
        )
    if not reason.strip() or not amount:
        raise SubsidyError(_("Give an amount and the reason."), code="reason_required")
    if claim.subsidy + amount < 0:
        raise SubsidyError(
            _("An adjustment cannot recover more than the subsidy paid."), code="too_much"
        )
