"""The admin, city by city (core/tenancy.py): a ModelAdmin mixin for every model that belongs to
a city.

- the change list and every object view show the staff member's city only; another city's
  object is a 404, as if it did not exist (not the admin's redirect, which would confirm it);
- the choices in forms (foreign keys and many-to-many) are the city's own, so a Qingdao admin
  can neither pick a Jinan district nor post its id;
- a national admin sees every city, with a filter by city on the change list.
"""

from django.contrib import admin
from django.http import Http404

from .tenancy import city_filter, city_lookup_of, sees_all_cities


class CityScopedAdmin(admin.ModelAdmin):
    # The lookup from this admin's model to its city; default: the model's `city_lookup`.
    city_lookup: str | None = None

    def _city_lookup(self) -> str | None:
        return self.city_lookup or city_lookup_of(self.model)

    def get_queryset(self, request):
        return city_filter(super().get_queryset(request), request.user, self._city_lookup())

    def get_list_filter(self, request):
        filters = tuple(super().get_list_filter(request))
        lookup = self._city_lookup()
        if lookup and lookup != "pk" and sees_all_cities(request.user) and lookup not in filters:
            return (lookup, *filters)
        return filters

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
