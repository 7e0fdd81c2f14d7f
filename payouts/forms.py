from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import City

from .models import Source


class PayoutBatchForm(forms.Form):
    source = forms.ChoiceField(label=_("what is paid"), choices=Source.choices)
    # Only for national admins (payouts/admin.py drops it for staff of one city).
    city = forms.ModelChoiceField(label=_("city"), queryset=City.objects.all(), required=False)
    month = forms.DateField(
        label=_("items up to the end of"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("A month, e.g. 2026-11."),
    )
