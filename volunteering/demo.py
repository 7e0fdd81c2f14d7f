"""A demo volunteer team led by a team captain, with past activities (verified hours) and one
coming up. Run through `manage.py seed_demo`."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core.models import User
from riders.models import Rider

from .models import Activity, SignUp, Team


def seed(stdout) -> None:
    _seed_jinan(stdout)
    if Team.objects.filter(city__code="qingdao").exists():
        stdout.write("Demo volunteer team already present")
        return
    riders = list(Rider.objects.filter(rider_number__startswith="QD1000").order_by("rider_number"))
    if len(riders) < 5:
        return
    leader = next(r for r in riders if r.rider_number == "QD100003")
    team = Team.objects.create(
        name="骑士志愿服务队",
        leader=leader,
        founded_on=dt.date(2022, 3, 5),
        description="由骑士队长发起，帮助独居老人、清理楼道、宣传交通安全。",
    )
    team.members.set(riders[:6])
    admin = User.objects.filter(username="admin").first()
    today = timezone.localdate()
    for weeks, title, hours in (
        (6, "敬老院探访", "3"),
        (4, "楼道清理日", "2.5"),
        (2, "路口文明劝导", "4"),
    ):
        activity = Activity.objects.create(
            team=team,
            title=title,
            date=today - dt.timedelta(weeks=weeks),
            start_time=dt.time(9, 0),
            place="李沧区",
            hours=Decimal(hours),
            capacity=10,
        )
        SignUp.objects.bulk_create(
            SignUp(
                activity=activity,
                rider=rider,
                status=SignUp.Status.ATTENDED,
                verified_hours=activity.hours,
                confirmed_by=admin,
                confirmed_at=timezone.now(),
            )
            for rider in riders[:5]
        )
    Activity.objects.create(
        team=team,
        title="地铁站志愿引导",
        date=today + dt.timedelta(days=6),
        start_time=dt.time(14, 30),
        place="青岛北站",
        hours=Decimal("3"),
        capacity=8,
    )
    stdout.write(f"Volunteer team: {team.name} (leader {leader.name})")


def _seed_jinan(stdout) -> None:
    """Jinan's team (issue 19, invented), led by its team captain, one activity coming up."""
    riders = list(Rider.objects.filter(rider_number__startswith="JN2000").order_by("rider_number"))
    if not riders or Team.objects.filter(city__code="jinan").exists():
        return
    leader = next((r for r in riders if r.rider_number == "JN200003"), riders[0])
    team = Team.objects.create(
        name="泉城骑士志愿队",
        leader=leader,
        city_id=leader.district.city_id,
        founded_on=dt.date(2025, 6, 1),
        description="在泉城广场和老城区引导游客、帮助老人。",
    )
    team.members.set(riders)
    Activity.objects.create(
        team=team,
        title="泉城广场文明引导",
        date=timezone.localdate() + dt.timedelta(days=5),
        start_time=dt.time(9, 30),
        place="泉城广场",
        hours=Decimal("3"),
        capacity=6,
    )
    stdout.write(f"Jinan volunteer team: {team.name}")
