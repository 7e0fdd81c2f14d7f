"""The admin of reports and what hangs from them, city by city (issue 19), on top of
core/admin_tenancy.py: the list filters' choices are the city's own too (a Qingdao dispatcher
never sees a Jinan department in the sidebar), and the admin's own pages (dashboard,
scorecard, action forms) narrow their rows the same way.

Used by the admins of governance, api, webhooks, hall and rewards.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet

from core.admin_tenancy import CityScopedAdmin
from core.tenancy import city_filter, city_lookup_of, sees_all_cities

# The city id of "no city at all": a staff member who is neither national nor of a city sees
# nothing (core/tenancy.py), and no city has this id.
NO_CITY = 0


def admin_city_id(user: Any) -> int | None:
    """The city whose rows a staff member's admin pages show: None for every city (national
    admins, superusers), NO_CITY for staff without a city."""
    if sees_all_cities(user):
        return None
    return getattr(user, "city_id", None) or NO_CITY


class CityRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A foreign-key list filter whose choices are the staff member's city's rows."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = city_filter(field.related_model._default_manager.all(), request.user)
        if ordering:
            rows = rows.order_by(*ordering)
        return [(row.pk, str(row)) for row in rows]


def _related_model(model: type[Model], path: str) -> type[Model] | None:
    try:
        field = get_fields_from_path(model, path)[-1]
    except (FieldDoesNotExist, Exception):  # a custom name the admin resolves itself
        return None
    return field.related_model if getattr(field, "is_relation", False) else None


class CityAdmin(CityScopedAdmin):
    """CityScopedAdmin whose foreign-key list filters offer the city's rows only."""

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                related = _related_model(self.model, entry)
                if related is not None and city_lookup_of(related) is not None:
                    entry = (entry, CityRelatedFieldListFilter)
            filters.append(entry)
        return tuple(filters)


def in_city(rows: QuerySet, request) -> QuerySet:
    """`rows` narrowed to the staff member's city (the model's own city_lookup)."""
    return city_filter(rows, request.user)
