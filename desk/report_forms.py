"""The forms of a report's actions in the workbench. Each carries a one-time token (`once`):
the view claims it before acting, so a double submit of the same rendered form acts once and
the second is told it was already done (docs/workbench.md). The rules themselves (a blank
question, a template's blanks, a transfer's reason, a resolution's minimum) are the services'
(governance/services.py, governance/workflow.py); a form only parses and keeps what was typed."""

import secrets

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from core.photos import PhotoError, check_photos
from governance.forms import MultiplePhotoField
from governance.messages import REJECTED_BECAUSE
from governance.models import Department, ResponseTemplate

ONCE_SECONDS = 24 * 3600  # a form rendered this long ago can still be sent once


def once_token() -> str:
    return secrets.token_urlsafe(16)


def once_claim(token: str) -> bool:
    """True the first time a form's token is sent. A token from no rendered form (empty) is
    refused like a used one. With Redis down the cache says yes: the state machine still
    refuses a second transition (docs/workbench.md)."""
    if not token:
        return False
    return bool(cache.add(f"desk:once:{token}", 1, ONCE_SECONDS))


def once_release(token: str) -> None:
    """The action was refused: the same form, corrected, may be sent again."""
    cache.delete(f"desk:once:{token}")


class ActionForm(forms.Form):
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every rendering gets a fresh token, also when it shows errors.
        self.fields["once"].initial = once_token()
        if self.is_bound:
            self.data = self.data.copy()
            self.sent_once = self.data.get(self.add_prefix("once"), "")
            self.data[self.add_prefix("once")] = self.fields["once"].initial

    def errors_from(self, fields: dict[str, list[str]], mapping: dict[str, str]) -> None:
        """A service's field errors on this form's fields (unknown names: on the form)."""
        for name, messages in fields.items():
            target = mapping.get(name, name)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


def photos_check(photos: list) -> list:
    try:
        check_photos(photos)
    except PhotoError as error:
        raise forms.ValidationError(error.message) from None
    return photos


class AcknowledgeForm(ActionForm):
    prefix = "acknowledge"
    note = forms.CharField(
        label=_("Note for the rider (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AskForm(ActionForm):
    prefix = "ask"
    question = forms.CharField(
        label=_("Your question to the rider"),
        max_length=500,
        required=False,  # a blank question is the service's to refuse, with its words
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The rider sees your department's name, never you; the clock pauses."),
    )


class ResolveForm(ActionForm):
    """A note, a response template with its blanks, or both (the template's text, then the
    note); photos from the phone's camera."""

    prefix = "resolve"
    # Any id: services.template_fill refuses one the department may not use, in its words.
    template = forms.IntegerField(
        label=_("Response template"), required=False, widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The rider reads it."),
    )
    photos = MultiplePhotoField(
        label=_("Photos of the work (up to 3)"),
        required=False,
    )

    def __init__(self, *args, template: ResponseTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        if template is not None:
            self.fields["template"].initial = template.pk
            for name in template.placeholders:
                # The template's author names its blanks ({time}, {place}): say it is a blank.
                self.fields[f"fields.{name}"] = forms.CharField(
                    label=_("Blank “%(name)s”") % {"name": name}, max_length=500, required=False
                )
            # The blanks right under the template's text, before the officer's own note.
            self.order_fields(["template", *(f"fields.{n}" for n in template.placeholders)])

    def blank_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("fields.")]

    def blanks(self) -> dict[str, str]:
        return {
            name.removeprefix("fields."): value
            for name, value in self.cleaned_data.items()
            if name.startswith("fields.")
        }

    def clean_photos(self) -> list:
        return photos_check(self.cleaned_data["photos"])


class RejectForm(ActionForm):
    prefix = "reject"
    grounds = forms.ChoiceField(
        label=_("Why it goes back to the dispatcher"),
        choices=[("", _("Choose a reason")), *((k, m.title) for k, m in REJECTED_BECAUSE.items())],
        error_messages={"required": _("Choose why the report goes back.")},
    )
    note = forms.CharField(
        label=_("Explain (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TransferForm(ActionForm):
    prefix = "transfer"
    department = forms.ModelChoiceField(
        label=_("Department to hand it to"),
        queryset=Department.objects.none(),
        empty_label=_("Choose a department"),
        required=False,  # the service says so when none is chosen
    )
    reason = forms.CharField(
        label=_("Why it is theirs"),
        max_length=500,
        required=False,  # the service's rule, in its words
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class CommentForm(ActionForm):
    prefix = "comment"
    text = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,  # an empty comment is refused by the service
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The rider reads it on the report's timeline."),
    )


class EvidenceForm(ActionForm):
    prefix = "evidence"
    photos = MultiplePhotoField(label=_("Photos of the work (up to 3)"))

    def clean_photos(self) -> list:
        photos = self.cleaned_data["photos"]
        if not photos:
            raise forms.ValidationError(_("Choose or take a photo."))
        return photos_check(photos)
