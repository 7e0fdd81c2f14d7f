"""Volunteer teams: sign-ups within capacity, attendance by the leader, verified hour sums,
milestones proposed for the honour roll, who may do what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from rewards.models import Honour
from tests.factories import RiderFactory, StaffFactory
from volunteering import selectors, services
from volunteering.models import Activity, SignUp, Team

pytestmark = pytest.mark.django_db


def team_with_activity(*, capacity=5, hours="3.0", days=3, leader=None):
    leader = leader or RiderFactory()
    team = Team.objects.create(
        name=f"志愿队{Team.objects.count()}", leader=leader, founded_on=dt.date(2022, 1, 1)
    )
    activity = Activity.objects.create(
        team=team,
        title="敬老院探访",
        date=timezone.localdate() + dt.timedelta(days=days),
        place="李沧区",
        hours=Decimal(hours),
        capacity=capacity,
    )
    return team, activity


def test_sign_up_within_capacity_and_only_once():
    _team, activity = team_with_activity(capacity=1)
    rider = RiderFactory()
    services.sign_up(rider=rider, activity_id=activity.pk)
    with pytest.raises(DomainError) as refused:
        services.sign_up(rider=RiderFactory(), activity_id=activity.pk)
    assert refused.value.code == "full"
    with pytest.raises(DomainError):
        services.sign_up(rider=rider, activity_id=activity.pk)
    _team, past = team_with_activity(days=-1)
    with pytest.raises(DomainError) as refused:
        services.sign_up(rider=rider, activity_id=past.pk)
    assert refused.value.code == "closed"


def test_the_leader_confirms_hours_and_the_sums_add_up():
    leader = RiderFactory()
    team, first = team_with_activity(leader=leader, hours="3.0")
    second = Activity.objects.create(
        team=team,
        title="楼道清理",
        date=first.date,
        place="李沧区",
        hours=Decimal("2.5"),
        capacity=5,
    )
    came, missed = RiderFactory(), RiderFactory()
    for activity in (first, second):
        for rider in (came, missed):
            services.sign_up(rider=rider, activity_id=activity.pk)
    for activity in (first, second):
        attended = set(
            SignUp.objects.filter(activity=activity, rider=came).values_list("pk", flat=True)
        )
        assert (
            services.attendance_confirm(activity=activity, attended_ids=attended, by=leader.user)
            == 1
        )
    _sign_ups, total = selectors.rider_record(rider=came)
    assert total == Decimal("5.5")
    assert selectors.rider_record(rider=missed)[1] == 0
    assert selectors.team_hours(team) == Decimal("5.5")
    totals = selectors.teams_with_totals().get(pk=team.pk)
    assert (totals.activities_held, totals.verified_hours) == (2, Decimal("5.5"))


def test_only_the_leader_or_an_admin_confirms():
    _team, activity = team_with_activity()
    services.sign_up(rider=RiderFactory(), activity_id=activity.pk)
    with pytest.raises(DomainError):
        services.attendance_confirm(activity=activity, attended_ids=set(), by=RiderFactory().user)
    with pytest.raises(DomainError):
        services.attendance_confirm(activity=activity, attended_ids=set(), by=StaffFactory())
    admin = StaffFactory(is_superuser=True)
    services.attendance_confirm(activity=activity, attended_ids=set(), by=admin)


def test_crossing_100_hours_proposes_an_honour(settings):
    settings.VOLUNTEER_MILESTONES = [10]
    leader = RiderFactory()
    _team, activity = team_with_activity(leader=leader, hours="12.0")
    rider = RiderFactory(name="郑安然")
    sign_up = services.sign_up(rider=rider, activity_id=activity.pk)
    services.attendance_confirm(activity=activity, attended_ids={sign_up.pk}, by=leader.user)
    services.attendance_confirm(activity=activity, attended_ids={sign_up.pk}, by=leader.user)
    honour = Honour.objects.get(rider=rider)
    assert honour.kind == "volunteer" and honour.status == "proposed"
    assert "郑安然" in honour.story and "10" in honour.title


def test_pages_for_riders_and_the_leaders_attendance_sheet(client, django_assert_max_num_queries):
    leader = RiderFactory()
    team, activity = team_with_activity(leader=leader)
    assert client.get(reverse("volunteering:teams")).status_code == 302
    rider = RiderFactory()
    client.force_login(rider.user)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("volunteering:teams")).status_code == 200
    client.post(reverse("volunteering:sign_up", args=[activity.pk]))
    sign_up = SignUp.objects.get(rider=rider)
    page = client.get(reverse("volunteering:team", args=[team.pk])).content.decode()
    assert "data-activity" in page
    assert client.get(reverse("volunteering:attendance", args=[activity.pk])).status_code == 403
    client.force_login(leader.user)
    client.post(
        reverse("volunteering:attendance", args=[activity.pk]), {"attended": [str(sign_up.pk)]}
    )
    sign_up.refresh_from_db()
    assert sign_up.status == "attended" and sign_up.verified_hours == Decimal("3.0")


def test_team_list_queries_are_constant(client, django_assert_max_num_queries):
    client.force_login(RiderFactory().user)
    for size in (1, 5):
        for _ in range(size):
            team_with_activity()
        with django_assert_max_num_queries(7):
            page = client.get(reverse("volunteering:teams")).content.decode()
        assert page.count("data-team") >= size
