"""Cities as tenants of one deployment (issue 19).

Every domain row belongs to a city, directly or through what it hangs from (a report through
its district, an order through its canteen). A model says how to reach its city with a
`city_lookup` class attribute — a lookup path ending at the city, e.g. "district__city" —
and everything that lists rows for staff narrows them here:

- a national admin (core.roles.NATIONAL_ADMIN) and a superuser see every city;
- every other staff member sees their own city (`User.city`) only, and nothing while they have
  none (a forgotten city shows an empty admin, not the whole country);
- riders see their own city through their district; departments through their department.

The admin side (querysets, choices in forms, 404 for another city's object) is
core/admin_tenancy.py.
"""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from .roles import NATIONAL_ADMIN

M = TypeVar("M", bound=Model)


def sole_city_id() -> int | None:
    """The city of a single-city deployment, None once there are several: rows that name no
    city (a platform receiver, an integration key, a hall screen) belong to it, as before
    cities were tenants; with two cities they must say which."""
    from .models import City

    ids = list(City.objects.values_list("pk", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None


class CityFilledIn:
    """For a model with an optional `department` and a `city`: the department's city when it
    has one, else the one city of a single-city deployment; with several cities and no
    department, the form asks (`city_required_message`)."""

    city_required_message: Any = ""
    city_id: int | None
    department_id: int | None
    department: Any

    def fill_city(self) -> None:
        if getattr(self, "department_id", None) is not None:
            self.city_id = self.department.city_id
        elif self.city_id is None:
            self.city_id = sole_city_id()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_city()
        super().save(*args, **kwargs)  # type: ignore[misc]

    def clean(self) -> None:
        super().clean()  # type: ignore[misc]
        self.fill_city()
        if self.city_id is None:
            raise ValidationError({"city": self.city_required_message})


def city_lookup_of(model: type[Model]) -> str | tuple[str, ...] | None:
    """The model's lookup path to its city, or None for rows every city shares. A tuple names
    alternatives, any of which places the row in a city: a user account is a city's through
    its staff member's city or its rider's district."""
    return getattr(model, "city_lookup", None)


def _in_city_q(lookup: str | tuple[str, ...], city_id: int) -> Q:
    paths = (lookup,) if isinstance(lookup, str) else lookup
    q = Q()
    for path in paths:
        q |= Q(**{path: city_id})
    return q


def sees_all_cities(user: Any) -> bool:
    """National admins and superusers; remembered on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_sees_all_cities", None)
    if cached is None:
        cached = bool(user.is_superuser or user.groups.filter(name=NATIONAL_ADMIN).exists())
        user._sees_all_cities = cached
    return cached


def staff_city_id(user: Any) -> int | None:
    """The one city a staff member works in (None: all cities, or none set)."""
    if sees_all_cities(user):
        return None
    return getattr(user, "city_id", None)


def city_filter(
    queryset: QuerySet[M], user: Any, lookup: str | tuple[str, ...] | None = None
) -> QuerySet[M]:
    """`queryset` narrowed to what `user` may see of it: their city's rows, every city's for a
    national admin, none for staff without a city. `lookup` defaults to the model's own."""
    if sees_all_cities(user):
        return queryset
    lookup = lookup if lookup is not None else city_lookup_of(queryset.model)
    if lookup is None:
        return queryset  # shared by every city (e.g. insurance types)
    city_id = getattr(user, "city_id", None)
    if city_id is None:
        return queryset.none()
    return queryset.filter(_in_city_q(lookup, city_id))


def in_city(obj: Model, city_id: int | None) -> bool:
    """Whether `obj` belongs to city `city_id` (follows the model's lookup, one query at most)."""
    lookup = city_lookup_of(type(obj))
    if lookup is None or city_id is None:
        return True
    if lookup == "pk":
        return obj.pk == city_id
    return type(obj)._default_manager.filter(_in_city_q(lookup, city_id), pk=obj.pk).exists()


def may_see(user: Any, obj: Model) -> bool:
    """Whether `user` (staff) may see `obj` at all, by city."""
    if sees_all_cities(user):
        return True
    city_id = getattr(user, "city_id", None)
    if city_lookup_of(type(obj)) is None:
        return True
    return city_id is not None and in_city(obj, city_id)


# --- Each city's clock ---------------------------------------------------------------------
# Times are stored in UTC and shown in the reader's city's zone (City.time_zone). All of China
# keeps Beijing time, so today this changes nothing anyone sees; it is configurable so a city
# outside the zone, or a deployment abroad, needs no code. The zone is looked up once, at
# sign-in, and kept in the session (core/middleware.py CityTimeMiddleware activates it): no
# query per request. A city whose zone changes shows it to each person from their next sign-in.

SESSION_TIME_ZONE = "city_time_zone"


def time_zone_for(user: Any) -> str | None:
    """The time zone of the city `user` works or rides in; None: the deployment's default."""
    from .models import City

    city_id = getattr(user, "city_id", None)
    if city_id is None:
        rider = getattr(user, "rider", None)  # riders: their district's city
        if rider is None:
            return None
        return (
            City.objects.filter(districts=rider.district_id).values_list("time_zone", flat=True)
        ).first()
    return City.objects.filter(pk=city_id).values_list("time_zone", flat=True).first()


def remember_time_zone(sender, request, user, **kwargs) -> None:
    """At sign-in (user_logged_in, connected in core/apps.py): keep the city's zone."""
    if request is not None and hasattr(request, "session"):
        name = time_zone_for(user)
        if name:
            request.session[SESSION_TIME_ZONE] = name
