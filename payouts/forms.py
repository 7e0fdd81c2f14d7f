from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Source


class PayoutBatchForm(forms.Form):
    source = forms.ChoiceField(label=_("what is paid"), choices=Source.choices)
    month = forms.DateField(
        label=_("items up to the end of"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("A month, e.g. 2026-11."),
    )
