import datetime as dt

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from core.models import District, User
from riders.models import Rider, Tier, TierPeriod


def qingdao_district(name: str = "李沧区") -> District:
    return District.objects.get(city__code="qingdao", name=name)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyFunction(lambda: make_password(None))  # unusable, as for riders


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.django.Password("staff-pass-123")


class RiderFactory(DjangoModelFactory):
    """A rider with a user account and an open tier period, as services.rider_create makes."""

    class Meta:
        model = Rider
        skip_postgeneration_save = True

    rider_number = factory.Sequence(lambda n: f"T{n:07d}")
    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyAttribute(lambda u: f"rider-{u.factory_parent.rider_number}"),
    )
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    district = factory.LazyFunction(qingdao_district)
    station = "测试站"
    joined_on = dt.date(2024, 1, 1)
    tier = Tier.REGULAR
    is_active = True

    @factory.post_generation
    def tier_history(rider, create, extracted, **kwargs):
        if create:
            TierPeriod.objects.create(rider=rider, tier=rider.tier, started_on=rider.joined_on)
