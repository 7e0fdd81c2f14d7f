"""The inbox messages mydata stores as kinds and params (core/messages.py)."""

from django.utils.translation import gettext_lazy as _

from core.messages import Message

# To the rider; params: hours
EXPORT_READY = Message(
    "mydata.export_ready",
    _("Your data is ready to download"),
    _(
        "The copy of your data you asked for is ready in Me → My data. It can be downloaded "
        "for %(hours)s hours, then it is deleted."
    ),
)

# To the rider; params: field
CORRECTION_DONE = Message(
    "mydata.correction_done",
    _("Your profile was corrected"),
    _("The service centre corrected your %(field)s as you asked."),
)

# To the rider; params: field (the centre's answer is the notification's stored body)
CORRECTION_REFUSED = Message(
    "mydata.correction_refused",
    _("Your correction request was not accepted"),
    _("The service centre did not correct your %(field)s. Its answer is in Me → My data."),
)
