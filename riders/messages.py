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

# --- Notifications (riders/notify.py) ---------------------------------------------------------

# To the centre admins; params: budget, until
NOTIFY_BUDGET_SPENT = Message(
    "riders.notify_budget_spent",
    _("Notification SMS budget spent"),
    _(
        "The portal has planned %(budget)d notification SMS for the hour until %(until)s, all "
        "that NOTIFY_SMS_BUDGET_PER_HOUR allows. Further SMS wait for the next hours (or are "
        "dropped when their matter expires first); every message still reaches the inbox. "
        "Sign-in codes have their own budget and are not affected."
    ),
)

# A new policy announced to riders; params: policy (both names)
POLICY_ANNOUNCED = Message(
    "riders.policy_announced",
    _("New policy: %(policy)s"),
    _("A new policy for riders is in force. Open it to read what changes for you."),
)
