"""The inbox messages apartments stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext_lazy as _

from core.messages import Message

# params: bed (both names: the apartment's name with the room and bed), deadline
BED_OFFERED = Message(
    "apartments.bed_offered",
    _("A bed is offered to you: %(bed)s. Accept it by %(deadline)s on the portal."),
)
OFFER_EXPIRED = Message(
    "apartments.offer_expired", _("Your bed offer expired. You can apply again on the portal.")
)

# The reminder before an offer expires (apartments.services.offer_reminders_send);
# params as BED_OFFERED.
OFFER_EXPIRING = Message(
    "apartments.offer_expiring",
    _("Your bed offer expires soon: %(bed)s. Accept or decline it by %(deadline)s on the portal."),
)
