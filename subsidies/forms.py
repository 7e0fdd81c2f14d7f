import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .proofs import ProofError, process_proof


class ClaimForm(forms.Form):
    """A month, the amounts paid and the proof, every one checked on every submit: the proof
    is checked here (not only when the service files the claim), so its problem is reported
    together with the others; a browser cannot send a chosen file back a second time."""

    month = forms.TypedChoiceField(label=_("Month"), coerce=dt.date.fromisoformat, empty_value=None)
    proof = forms.FileField(
        label=_("Proof of payment"),
        help_text=_("A photo of the receipt, or the PDF from the social-insurance app."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, months, insurance_types, initial_month=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.isoformat(), f"{m:%Y-%m}") for m in months]
        if initial_month is not None:
            self.fields["month"].initial = initial_month.isoformat()
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

    def clean_proof(self):
        try:
            return process_proof(self.cleaned_data["proof"])
        except ProofError as error:
            raise forms.ValidationError(error.message, code=error.code) from error

    def clean(self):
        cleaned = super().clean()
        # What the rider typed, not what passed: an amount refused for its own reason (too many
        # decimals, below a fen) is not in cleaned_data, and reporting it as missing as well
        # told a rider who had filled it in that they had not.
        typed = any(
            str(self.data.get(self.add_prefix(f"paid_{t.pk}"), "")).strip()
            for t in self.insurance_types
        )
        if not typed:
            raise forms.ValidationError(
                _("Enter what you paid for at least one insurance."), code="no_amount"
            )
        return cleaned

    def amounts(self) -> dict:
        cleaned = getattr(self, "cleaned_data", {})
        return {
            t: cleaned[f"paid_{t.pk}"] for t in self.insurance_types if cleaned.get(f"paid_{t.pk}")
        }


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)
