"""What rewards holds of a rider, for their export and account closure
(core/personal_data.py; registered in RewardsConfig.ready()).

Awards, the points ledger and redemptions are the accounting of rewards paid with public money
and points: closure keeps them with the rider pseudonymised (riders.profile). An honour (the
public roll's story and photo) is there only with the rider: closure deletes it. A cash reward
not paid yet blocks closure until its payout batch is paid (riders/obligations.py).
"""

from django.db.models import Q
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, register, rows_of
from payouts.models import PayoutBatch

from .models import Award, Honour, LedgerEntry, Redemption


def _honours_erase(rider) -> int:
    erased = 0
    for honour in Honour.objects.filter(rider=rider):
        if honour.photo:
            honour.photo.delete(save=False)
        honour.delete()
        erased += 1
    return erased


def unpaid_cash(rider) -> str | None:
    """A cash reward not paid yet (no batch, or its batch not paid) blocks closing."""
    unpaid = Award.objects.filter(rider=rider, kind=Award.Kind.CASH).filter(
        Q(batch__isnull=True) | ~Q(batch__status=PayoutBatch.Status.PAID)
    )
    if unpaid.exists():
        return _g(
            "A cash reward of yours has not been paid yet. It is paid with the next payout "
            "batch; close your account after it has reached you."
        )
    return None


KEPT_ACCOUNTS = _(
    "Kept without your name: the accounting of rewards paid with public money and points."
)


def register_holdings() -> None:
    register(
        Holding(
            name="rewards.awards",
            label=_("Rewards for your reports"),
            export=lambda rider: rows_of(
                Award.objects.filter(rider=rider).order_by("created_at", "id"),
                "kind",
                "cash_amount",
                "points",
                "created_at",
                report="report__public_id",
                payout_batch="batch__number",
                payout_status="batch__status",
            ),
            kept=KEPT_ACCOUNTS,
        )
    )
    register(
        Holding(
            name="rewards.ledger",
            label=_("Your points ledger"),
            export=lambda rider: rows_of(
                LedgerEntry.objects.filter(rider=rider).order_by("id"),
                "kind",
                "points",
                "balance_after",
                "reason_kind",
                "reason",
                "expires_at",
                "created_at",
            ),
            kept=KEPT_ACCOUNTS,
        )
    )
    register(
        Holding(
            name="rewards.redemptions",
            label=_("Benefits you redeemed"),
            export=lambda rider: rows_of(
                Redemption.objects.filter(rider=rider).order_by("created_at", "id"),
                "points",
                "code",
                "status",
                "created_at",
                "used_at",
                "cancelled_at",
                benefit="benefit__name",
            ),
            kept=KEPT_ACCOUNTS,
        )
    )
    register(
        Holding(
            name="rewards.honours",
            label=_("Your honours"),
            export=lambda rider: rows_of(
                Honour.objects.filter(rider=rider).order_by("honoured_on", "id"),
                "kind",
                "title",
                "title_en",
                "story",
                "story_en",
                "honoured_on",
                "status",
                "published_at",
            ),
            files=lambda rider: [
                (f"honour-{honour.pk}.jpg", honour.photo)
                for honour in Honour.objects.filter(rider=rider).exclude(photo="").order_by("id")
            ],
            erase=_honours_erase,
        )
    )
    from riders.obligations import register_closure

    register_closure("rewards.unpaid_cash", unpaid_cash)
