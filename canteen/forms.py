from decimal import Decimal

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


class NearForm(forms.Form):
    """Where the rider stands, from the phone (both or neither); six decimals are kept."""

    lat = forms.FloatField(label=_("latitude"), min_value=-90, max_value=90, required=False)
    lng = forms.FloatField(label=_("longitude"), min_value=-180, max_value=180, required=False)

    def position(self) -> tuple[Decimal, Decimal] | None:
        if not self.is_valid():
            return None
        lat, lng = self.cleaned_data["lat"], self.cleaned_data["lng"]
        if lat is None or lng is None:
            return None
        return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")
