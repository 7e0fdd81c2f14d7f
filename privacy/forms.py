from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Purpose


class ConsentsForm(forms.Form):
    """The optional consents: each unticked unless the rider ticked it before."""

    consents = forms.MultipleChoiceField(
        label=_("Optional: you may also agree to"),
        required=False,  # none: the service is the same
        widget=forms.CheckboxSelectMultiple,
        choices=Purpose.choices,
        error_messages={"invalid_choice": _("%(value)s is not something you can agree to here.")},
    )

    def choices(self) -> dict[str, bool]:
        """Every purpose: ticked or not."""
        ticked = set(self.cleaned_data["consents"])
        return {purpose: purpose in ticked for purpose in Purpose.values}


class AcceptForm(ConsentsForm):
    """Accepting the notice: the version read (a newer one may have come since) and the
    optional consents, in one click."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
