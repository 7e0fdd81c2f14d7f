"""The inbox messages subsidies stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext_lazy as _

from core.messages import Message

# params: month ("2026-11"), subsidy ("1234.50")
CLAIM_APPROVED = Message(
    "subsidies.claim_approved",
    _("Your subsidy claim for %(month)s was approved: ¥%(subsidy)s"),
    _("It is paid with the next payout."),
)
# params: month. The reviewer's reason goes in the notification's body, as typed.
CLAIM_REJECTED = Message(
    "subsidies.claim_rejected", _("Your subsidy claim for %(month)s was not approved")
)
