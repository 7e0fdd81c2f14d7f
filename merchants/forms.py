from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SERVICES


class NearestForm(forms.Form):
    service = forms.ChoiceField(
        label=_("What do you need?"), choices=[(k, label) for k, (_f, label) in SERVICES.items()]
    )
    lat = forms.DecimalField(
        label=_("latitude"),
        min_value=-90,
        max_value=90,
        max_digits=9,
        decimal_places=6,
        required=False,
    )
    lng = forms.DecimalField(
        label=_("longitude"),
        min_value=-180,
        max_value=180,
        max_digits=10,
        decimal_places=6,
        required=False,
    )


class MerchantImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with the columns name, kind, address, district, latitude, longitude, "
            "services, hours, discount_note, partner_since."
        ),
    )
