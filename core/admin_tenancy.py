"""The admin, city by city (core/tenancy.py): a ModelAdmin mixin for every model that belongs to
a city.

- the change list and every object view show the staff member's city only; another city's
  object is a 404, as if it did not exist (not the admin's redirect, which would confirm it);
- the choices in forms (foreign keys and many-to-many) are the city's own, so a Qingdao admin
  can neither pick a Jinan district nor post its id;
- the list filters by a related row offer the city's rows only (a Qingdao dispatcher never
  sees a Jinan department's name in the sidebar);
- a national admin sees every city, with a filter by city on the change list.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.http import Http404

from .tenancy import city_filter, city_lookup_of, sees_all_cities


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
    except (FieldDoesNotExist, NotRelationField):  # a name the admin resolves itself
        return None
    return field.related_model if getattr(field, "is_relation", False) else None


class CityScopedAdmin(admin.ModelAdmin):
    # The lookup from this admin's model to its city; default: the model's `city_lookup`.
    city_lookup: str | None = None

    def _city_lookup(self) -> str | None:
        return self.city_lookup or city_lookup_of(self.model)

    def get_queryset(self, request):
        return city_filter(super().get_queryset(request), request.user, self._city_lookup())

    def get_list_filter(self, request):
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                related = _related_model(self.model, entry)
                if related is not None and city_lookup_of(related) is not None:
                    entry = (entry, CityRelatedFieldListFilter)
            filters.append(entry)
        lookup = self._city_lookup()
        if (
            isinstance(lookup, str)
            and lookup != "pk"
            and sees_all_cities(request.user)
            and lookup not in filters
        ):
            return (lookup, *filters)
        return tuple(filters)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _narrowed(field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _narrowed(field, request)

    # Another city's object: 404, never the "does not exist, perhaps it was deleted" redirect.
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


def _narrowed(field, request):
    queryset = getattr(field, "queryset", None)
    if queryset is not None and city_lookup_of(queryset.model) is not None:
        field.queryset = city_filter(queryset, request.user)
    return field


class CityScopedInline:
    """For inlines: the choices in their forms are the city's own too (the rows are the
    parent's, already in its city)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _narrowed(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return _narrowed(super().formfield_for_manytomany(db_field, request, **kwargs), request)
