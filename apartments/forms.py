import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Apartment


class ApplicationForm(forms.Form):
    apartments = forms.ModelMultipleChoiceField(
        label=_("Apartments you would like"),
        queryset=Apartment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one apartment.")},
    )
    desired_move_in = forms.DateField(
        label=_("Move-in date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, apartments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["apartments"].queryset = apartments
        self.fields["desired_move_in"].initial = timezone.localdate() + dt.timedelta(days=7)


class RentRollForm(forms.Form):
    month = forms.DateField(
        label=_("month"), input_formats=["%Y-%m", "%Y-%m-%d"], help_text=_("E.g. 2026-11.")
    )


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"pass_{item.pk}"] = forms.BooleanField(
                label=str(item), required=False, initial=True
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("note"), required=False, max_length=200
            )

    def results(self) -> dict[int, tuple[bool, str]]:
        return {
            item.pk: (self.cleaned_data[f"pass_{item.pk}"], self.cleaned_data[f"note_{item.pk}"])
            for item in self.items
        }
