"""The inbox messages rewards stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.messages import Message, Params


def _what_was_earned(params: Params) -> Params:
    # Rendered in the reader's language: "¥5.00 and 10 points" from the stored amounts.
    parts = []
    if params.get("cash"):
        parts.append(_("¥%(amount)s") % {"amount": params["cash"]})
    if params.get("points"):
        parts.append(_("%(points)d points") % {"points": int(params["points"])})
    # Rows from before kinds carry the text as it was rendered then.
    return {**params, "what": _(" and ").join(parts) or params.get("what", "")}


# params: id (the report number), cash (yuan, "" for none), points (0 for none)
REPORT_AWARDED = Message(
    "rewards.report_awarded",
    gettext_lazy("Report %(id)s was validated: you earned %(what)s. Thank you!"),
    prepare=_what_was_earned,
)


# --- Reasons on the points history (LedgerEntry.reason_kind); a person's words stay in `reason`

# The admin's "cancel and refund" action: no words typed, so the portal's reason.
CANCELLED_BY_CENTRE = Message(
    "rewards.cancelled_by_centre", gettext_lazy("Cancelled by the service centre")
)
