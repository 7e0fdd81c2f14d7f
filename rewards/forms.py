from django import forms
from django.utils.translation import gettext_lazy as _

from riders.models import Rider

from .models import Honour


class HonourFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("All")), *Honour.Kind.choices], required=False
    )


class VoucherCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters"}
        ),
    )


class PointsAdjustForm(forms.Form):
    rider = forms.ModelChoiceField(
        label=_("rider"),
        queryset=Rider.objects.all(),
        to_field_name="rider_number",
        widget=forms.TextInput,
        help_text=_("The rider number."),
        error_messages={"invalid_choice": _("No rider has this number.")},
    )
    points = forms.IntegerField(
        label=_("points"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("Positive to credit, negative to debit."),
    )
    reason = forms.CharField(label=_("reason"), max_length=200)
