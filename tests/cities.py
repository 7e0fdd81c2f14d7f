"""Helpers of the city isolation tests (issue 19): staff of a role in a city, things in Jinan.

The factories make everything in Qingdao; these move a made object to Jinan's districts."""

from django.contrib.auth.models import Group

from core.models import City, User
from core.roles import NATIONAL_ADMIN
from tests.factories import RiderFactory, StaffFactory, jinan


def staff(role: str, city: City | None) -> User:
    user = StaffFactory(city=city)
    user.groups.add(Group.objects.get(name=role))
    return user


def national_admin() -> User:
    return staff(NATIONAL_ADMIN, None)


def jinan_rider(**kwargs):
    return RiderFactory(district=jinan(kwargs.pop("district", "lixia")), **kwargs)


def to_jinan(obj, district: str = "lixia"):
    """Move an apartment, canteen or merchant made by the factories to Jinan."""
    obj.district = jinan(district)
    obj.save(update_fields=["district"])
    return obj


def rider_client(client, rider):
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    return client
