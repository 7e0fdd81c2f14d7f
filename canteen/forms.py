from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MealOrder


class OrderForm(forms.Form):
    payment = forms.ChoiceField(
        label=_("How you pay"),
        choices=MealOrder.Payment.choices,
        widget=forms.RadioSelect,
        initial=MealOrder.Payment.AT_COUNTER,
    )


class PickupCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Pick-up code"),
        regex=r"^\s*\d{4}\s*$",
        error_messages={"invalid": _("A pick-up code has 4 digits.")},
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "inputmode": "numeric"}
        ),
    )


class SettlementForm(forms.Form):
    month = forms.DateField(
        label=_("month"), input_formats=["%Y-%m", "%Y-%m-%d"], help_text=_("E.g. 2026-11.")
    )
