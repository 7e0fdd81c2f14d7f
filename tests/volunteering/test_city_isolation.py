"""Volunteering city by city (issue 19): a team is a city's (its leader's when founded); a
rider sees and signs up for their city's teams' activities only; staff see their city's."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import CENTRE_ADMIN
from tests.cities import jinan_rider, national_admin, rider_client, staff
from tests.factories import RiderFactory, jinan, qingdao
from volunteering import services
from volunteering.models import Activity, Team
from volunteering.services import VolunteerError

pytestmark = pytest.mark.django_db


def team_with_activity(name: str, leader) -> Activity:
    team = Team.objects.create(name=name, leader=leader, founded_on=dt.date(2024, 1, 1))
    return Activity.objects.create(
        team=team,
        title=f"{name}活动",
        date=timezone.localdate() + dt.timedelta(days=3),
        place="广场",
        hours=Decimal("2"),
        capacity=5,
    )


@pytest.fixture
def activities():
    return (
        team_with_activity("青岛志愿队", RiderFactory()),
        team_with_activity("济南志愿队", jinan_rider()),
    )


def test_a_team_is_its_leaders_city(activities):
    assert [a.team.city for a in activities] == [qingdao(), jinan()]


def test_a_jinan_rider_sees_and_signs_up_in_jinan_only(client, activities):
    qingdao_activity, jinan_activity = activities
    rider = jinan_rider()
    page = rider_client(client, rider).get(reverse("volunteering:teams")).text
    assert "济南志愿队" in page and "青岛志愿队" not in page
    url = reverse("volunteering:team", args=[qingdao_activity.team_id])
    assert client.get(url).status_code == 404
    sign_up = reverse("volunteering:sign_up", args=[qingdao_activity.pk])
    assert client.post(sign_up).status_code == 404
    with pytest.raises(VolunteerError):
        services.sign_up(rider=rider, activity_id=qingdao_activity.pk)
    assert services.sign_up(rider=rider, activity_id=jinan_activity.pk).rider == rider


def test_staff_see_their_citys_teams_and_confirm_only_there(client, activities):
    qingdao_activity, jinan_activity = activities
    admin = staff(CENTRE_ADMIN, qingdao())
    client.force_login(admin)
    listing = client.get(reverse("admin:volunteering_team_changelist")).text
    assert "青岛志愿队" in listing and "济南志愿队" not in listing
    change = reverse("admin:volunteering_activity_change", args=[jinan_activity.pk])
    assert client.get(change).status_code == 404
    assert not services.may_confirm(user=admin, activity=jinan_activity)
    assert services.may_confirm(user=admin, activity=qingdao_activity)
    attendance = reverse("volunteering:attendance", args=[jinan_activity.pk])
    assert client.get(attendance).status_code == 403
    client.force_login(national_admin())
    listing = client.get(reverse("admin:volunteering_team_changelist")).text
    assert "青岛志愿队" in listing and "济南志愿队" in listing
