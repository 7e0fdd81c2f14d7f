from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SERVICES


class NearestForm(forms.Form):
    service = forms.ChoiceField(
        label=_("What do you need?"), choices=[(k, label) for k, (_f, label) in SERVICES.items()]
    )
    # Phones report many decimals; six (about 10 cm) are kept.
    lat = forms.FloatField(label=_("latitude"), min_value=-90, max_value=90, required=False)
    lng = forms.FloatField(label=_("longitude"), min_value=-180, max_value=180, required=False)
    # The night shift's filter: only places open around the clock.
    always_open = forms.BooleanField(label=_("Open 24 hours"), required=False)

    def clean(self):
        cleaned = super().clean()
        for key in ("lat", "lng"):
            if cleaned.get(key) is not None:
                cleaned[key] = Decimal(f"{cleaned[key]:.6f}")
        return cleaned


class PositionForm(forms.Form):
    """Where the phone says the rider is (Home's "open near you now")."""

    lat = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    lng = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)


class MerchantImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with the columns name, kind, address, district, latitude, longitude, "
            "services, hours, discount_note, partner_since."
        ),
    )
