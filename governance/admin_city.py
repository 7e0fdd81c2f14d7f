"""The city whose reports the governance admin's own pages (dashboard, scorecard) show
(issue 19); the admin screens themselves are core/admin_tenancy.py's CityScopedAdmin."""

from typing import Any

from core.tenancy import sees_all_cities

# The city id of "no city at all": a staff member who is neither national nor of a city sees
# nothing (core/tenancy.py), and no city has this id.
NO_CITY = 0


def admin_city_id(user: Any) -> int | None:
    """The city whose rows a staff member's admin pages show: None for every city (national
    admins, superusers), NO_CITY for staff without a city."""
    if sees_all_cities(user):
        return None
    return getattr(user, "city_id", None) or NO_CITY
