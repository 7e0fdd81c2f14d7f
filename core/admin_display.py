"""Values shown in the admin the way staff say them."""

import datetime as dt

from django.utils import formats


def month_label(month: dt.date | None) -> str | None:
    """A month stored as its first day, shown as the month: "2026年11月", "November 2026".
    None lets the admin show its empty-value mark."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT") if month else None
