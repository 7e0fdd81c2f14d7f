from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import District
from core.photos import PhotoError, check_photo_count

from . import routing
from .models import Category, FixAnswer, ReportQuestion


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files from one <input multiple> (Django's documented pattern)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is the problem?"),
        queryset=Category.objects.filter(is_active=True).select_related("role"),
        empty_label=_("Choose a category"),
    )
    photos = MultiplePhotoField(
        label=_("Photos (1 to 3)"),
        required=False,
        help_text=_("Take a clear photo of the problem. Faces and number plates are not needed."),
    )
    description = forms.CharField(
        label=_("Describe what you saw"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.select_related("city")
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, city_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if city_id is not None:
            # The rider's city only (issue 19): its districts, the categories it offers.
            self.fields["district"].queryset = self.fields["district"].queryset.filter(
                city_id=city_id
            )
            disabled = routing.table().disabled_in(city_id)
            if disabled:
                self.fields["category"].queryset = self.fields["category"].queryset.exclude(
                    pk__in=disabled
                )

    def clean_photos(self) -> list:
        photos = self.cleaned_data["photos"]
        if not photos:
            raise forms.ValidationError(_("Add at least one photo of the problem."))
        try:
            check_photo_count(photos)
        except PhotoError as error:
            raise forms.ValidationError(error.message) from None
        return photos

    def clean(self) -> dict:
        cleaned = super().clean()
        has_latitude = cleaned.get("latitude") is not None
        if has_latitude != (cleaned.get("longitude") is not None):
            raise forms.ValidationError(
                _("The location is incomplete. Try “Use my location” again.")
            )
        return cleaned

    def grouped_categories(self) -> list[tuple[str, list[tuple[int, str]]]]:
        groups: dict[int, tuple[str, list]] = {}
        for category in self.fields["category"].queryset.order_by(
            "role__sort_order", "sort_order", "code"
        ):
            groups.setdefault(category.role_id, (str(category.role), []))[1].append(
                (category.pk, str(category))
            )
        return list(groups.values())


# Which form field shows a DomainError from the service, by its code.
ERROR_FIELDS = {
    "photo_required": "photos",
    "too_many_photos": "photos",
    "photo_too_large": "photos",
    "photos_too_large": "photos",
    "photo_too_many_pixels": "photos",
    "photo_wrong_type": "photos",
    "photo_corrupt": "photos",
    "invalid_photo": "photos",
    "location_required": "address",
    "category_inactive": "category",
    "category_not_offered": "category",
}


class NearbyForm(forms.Form):
    """Query of the report form's "already reported nearby" box."""

    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True))
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)


class JoinForm(forms.Form):
    """Where the rider stands when joining a report, sent by the phone as when filing."""

    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )


class FixCheckForm(forms.Form):
    """The rider's answer to "is it fixed?". The rules (what is required, how long a comment,
    which photos) are report_check's; the form only carries the values back to the page."""

    outcome = forms.ChoiceField(
        label=_("Is it fixed?"),
        choices=FixAnswer.Outcome.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you?"),
        choices=FixAnswer.Satisfaction.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        strip=False,  # report_check strips and measures it
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": FixAnswer._meta.get_field("comment").max_length}
        ),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("Not fixed? A photo of how it looks now helps the department."),
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    # The round the rider saw: a second submit of the same answer is recognised as such.
    round = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


# Which field of FixCheckForm shows a DomainError from report_check, by its code.
CHECK_ERROR_FIELDS = {
    "outcome_required": "outcome",
    "satisfaction_required": "satisfaction",
    "comment_too_long": "comment",
    "photo_too_large": "photo",
    "photo_too_many_pixels": "photo",
    "photo_wrong_type": "photo",
    "photo_corrupt": "photo",
}


class QuestionAnswerForm(forms.Form):
    """The reporter's answer to a department's question. The rules (required, length, photo)
    are question_answer's; the form only carries the values back to the page."""

    text = forms.CharField(
        label=_("Your answer"),
        required=False,
        strip=False,  # question_answer strips and measures it
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": ReportQuestion._meta.get_field("answer").max_length}
        ),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("A photo can show the department what words cannot."),
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    # The question the rider saw: an answer to it never answers a newer one.
    position = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


# Which field of QuestionAnswerForm shows a DomainError from question_answer, by its code.
ANSWER_ERROR_FIELDS = {
    "answer_required": "text",
    "answer_too_long": "text",
    "photo_too_large": "photo",
    "photo_too_many_pixels": "photo",
    "photo_wrong_type": "photo",
    "photo_corrupt": "photo",
}
