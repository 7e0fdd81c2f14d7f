"""The workbench's forms: the password step, the queue's filters, an assignment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import District
from core.otp_views import TokenForm
from governance.models import Category, ReportStatus

# What a department can be asked to list by status (submitted and with the dispatcher never
# reach a department).
QUEUE_STATUSES = [
    (value, label)
    for value, label in ReportStatus.choices
    if value not in (ReportStatus.SUBMITTED, ReportStatus.WITH_DISPATCHER)
]


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SMSCodeForm(TokenForm):
    """The code of the SMS (the same 6 digits as an authenticator's, other words)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].label = _("6-digit code from the SMS")
        self.fields["token"].error_messages["invalid"] = _("Enter the 6 digits of the SMS.")


class QueueFilterForm(forms.Form):
    """GET parameters of the queue; a bad value is reported and the filter ignored."""

    q = forms.RegexField(
        label=_("Report number"),
        required=False,
        max_length=12,
        regex=r"^\s*[0-9A-Za-z]{1,12}\s*$",
        error_messages={"invalid": _("A report number has letters and digits only.")},
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Open reports")), *QUEUE_STATUSES]
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        empty_label=_("All categories"),
        queryset=Category.objects.order_by("role__sort_order", "sort_order"),
        error_messages={"invalid_choice": _("Choose a category from the list.")},
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        required=False,
        empty_label=_("All districts"),
        queryset=District.objects.order_by("code"),
        error_messages={"invalid_choice": _("Choose a district from the list.")},
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["invalid_choice"] = _("Choose a status from the list.")

    def filters(self) -> dict:
        """The valid filters only: a bad value drops its own filter, not the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "", False)
        }


class AssignForm(forms.Form):
    """`assignee` is an officer's user id; empty gives the report back to nobody."""

    assignee = forms.IntegerField(required=False, min_value=1)
