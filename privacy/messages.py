"""The inbox messages privacy stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext_lazy as _

from core.messages import Message

# To the centre admins when the nightly retention run could not apply a rule (privacy/
# retention.py); params: rules (their names), count, run (the RetentionRun's id).
RETENTION_FAILED = Message(
    "privacy.retention_failed",
    _("Retention: %(count)d rules failed"),
    _(
        "The retention run %(run)s could not apply: %(rules)s. The other rules were applied. "
        "Open the run for the error; the next night's run tries again, or run it now from "
        "the list of retention runs once the cause is fixed."
    ),
)
