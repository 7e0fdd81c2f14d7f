from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CorrectionRequest


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=_("What is wrong"), choices=CorrectionRequest.Field.choices)
    requested_value = forms.CharField(
        label=_("What it should be"),
        max_length=100,
        required=False,
        help_text=_("For the join date: YYYY-MM-DD."),
    )
    note = forms.CharField(
        label=_("Note for the service centre (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# What the rider types to confirm closing: a word in their language, not a click by mistake.
CONFIRM_WORD = _("CLOSE")


class CloseForm(forms.Form):
    confirm = forms.CharField(label=_("Type the word to confirm"), max_length=20)

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed.upper() not in {str(CONFIRM_WORD).upper(), "CLOSE"}:
            raise forms.ValidationError(
                _("Type %(word)s to confirm, or go back."), params={"word": CONFIRM_WORD}
            )
        return typed
