from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RIDER_SMS_KINDS
from .sms_templates import sms_kind


class SMSPreferencesForm(forms.Form):
    """Which kinds of message also come by SMS (all of them go to the inbox)."""

    kinds = forms.MultipleChoiceField(
        label=_("Also send me an SMS for"),
        required=False,  # none: inbox only
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, sms_kind(name).label) for name in RIDER_SMS_KINDS],
        error_messages={
            "invalid_choice": _("%(value)s is not a kind of message the portal sends by SMS.")
        },
    )
