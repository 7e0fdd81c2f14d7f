"""The inbox messages riders stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext_lazy as _

from core.messages import Message

# To the centre admins; params: budget, until
SMS_BUDGET_SPENT = Message(
    "riders.sms_budget_spent",
    _("Sign-in SMS budget spent"),
    _(
        "The portal sent %(budget)d sign-in SMS this hour, all that SMS_BUDGET_PER_HOUR "
        "allows. Riders asking for a code are refused until %(until)s, except on browsers "
        "they signed in on before. The sign-in codes list shows which numbers were asked for."
    ),
)
