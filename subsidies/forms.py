import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class ClaimForm(forms.Form):
    month = forms.TypedChoiceField(label=_("Month"), coerce=dt.date.fromisoformat, empty_value=None)
    proof = forms.FileField(
        label=_("Proof of payment"),
        help_text=_("A photo of the receipt, or the PDF from the social-insurance app."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, months, insurance_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.isoformat(), f"{m:%Y-%m}") for m in months]
        self.insurance_types = list(insurance_types)
        for insurance_type in self.insurance_types:
            self.fields[f"paid_{insurance_type.pk}"] = forms.DecimalField(
                label=str(insurance_type),
                required=False,
                min_value=Decimal("0.01"),
                max_value=Decimal("99999.99"),
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )

    def amount_fields(self):
        return [self[f"paid_{t.pk}"] for t in self.insurance_types]

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"paid_{t.pk}") for t in self.insurance_types):
            raise forms.ValidationError(_("Enter what you paid for at least one insurance."))
        return cleaned

    def amounts(self):
        return {
            t: self.cleaned_data[f"paid_{t.pk}"]
            for t in self.insurance_types
            if self.cleaned_data.get(f"paid_{t.pk}")
        }


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)
