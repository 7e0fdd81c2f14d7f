"""The inbox messages webhooks stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext_lazy as _

from core.messages import Message

# To the centre admins; params: webhook (its label), url, event, delivery, count
DELIVERY_GIVEN_UP = Message(
    "webhooks.delivery_given_up",
    _("Webhook deliveries failed: %(webhook)s"),
    _(
        "The receiver %(url)s did not accept the %(event)s delivery %(delivery)s for 24 hours, "
        "so it is no longer retried (%(count)d failed deliveries to this receiver). Fix the "
        "receiver, then select the deliveries under Webhooks → Webhook deliveries and use "
        "Redeliver."
    ),
)
