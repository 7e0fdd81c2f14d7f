"""A rider cancels their own volunteering sign-up before the activity starts (issue 17 item 8);
activities show their time and hours with a unit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from tests.factories import RiderFactory, StaffFactory
from volunteering import services
from volunteering.models import Activity, SignUp, Team

pytestmark = pytest.mark.django_db


def activity_at(start: dt.datetime | None, *, capacity: int = 5, on: dt.date | None = None):
    team = Team.objects.create(
        name=f"志愿队{Team.objects.count()}", leader=RiderFactory(), founded_on=dt.date(2022, 1, 1)
    )
    local = timezone.localtime(start) if start else None
    return Activity.objects.create(
        team=team,
        title="地铁站志愿引导",
        date=local.date() if local else on,
        start_time=local.time().replace(microsecond=0) if local else None,
        place="青岛北站",
        hours=Decimal("3.0"),
        capacity=capacity,
    )


def cancel_url(activity) -> str:
    return reverse("volunteering:cancel", args=[activity.pk])


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


def test_cancel_frees_the_place_and_signing_up_again_works(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(days=2), capacity=1)
    services.sign_up(rider=rider, activity_id=activity.pk)
    response = client.post(cancel_url(activity), follow=True)
    assert response.status_code == 200
    assert SignUp.objects.get(activity=activity, rider=rider).status == SignUp.Status.CANCELLED
    # The one place is free again, for someone else or for the same rider.
    other = RiderFactory()
    services.sign_up(rider=other, activity_id=activity.pk)
    with pytest.raises(DomainError) as full:
        services.sign_up(rider=rider, activity_id=activity.pk)
    assert full.value.code == "full"


def test_the_team_page_offers_cancel_to_the_signed_up_rider_only(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(days=2))
    url = reverse("volunteering:team", args=[activity.team_id])
    page = client.get(url).content.decode()
    assert (
        "data-cancel-sign-up" not in page
        and reverse("volunteering:sign_up", args=[activity.pk]) in page
    )
    services.sign_up(rider=rider, activity_id=activity.pk)
    page = client.get(url).content.decode()
    assert "data-cancel-sign-up" in page and f'action="{cancel_url(activity)}"' in page


def test_no_cancel_once_the_activity_started(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(hours=1))
    services.sign_up(rider=rider, activity_id=activity.pk)
    # Moved a day back: it has started, whatever the time of day.
    Activity.objects.filter(pk=activity.pk).update(date=activity.date - dt.timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        services.sign_up_cancel(rider=rider, activity_id=activity.pk)
    assert refused.value.code == "started"
    client.post(cancel_url(activity))
    assert SignUp.objects.get(activity=activity, rider=rider).status == SignUp.Status.SIGNED_UP
    page = client.get(reverse("volunteering:team", args=[activity.team_id])).content.decode()
    assert "data-cancel-sign-up" not in page


def test_an_activity_without_a_time_can_be_cancelled_until_its_day(client, rider):
    tomorrow = activity_at(None, on=timezone.localdate() + dt.timedelta(days=1))
    today = activity_at(None, on=timezone.localdate())
    for activity in (tomorrow, today):
        services.sign_up(rider=rider, activity_id=activity.pk)
    services.sign_up_cancel(rider=rider, activity_id=tomorrow.pk)
    with pytest.raises(DomainError) as refused:
        services.sign_up_cancel(rider=rider, activity_id=today.pk)
    assert refused.value.code == "started"


def test_a_confirmed_sign_up_cannot_be_cancelled(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(days=2))
    services.sign_up(rider=rider, activity_id=activity.pk)
    services.attendance_confirm(activity=activity, attended_ids=set(), by=activity.team.leader.user)
    with pytest.raises(DomainError) as refused:
        services.sign_up_cancel(rider=rider, activity_id=activity.pk)
    assert refused.value.code == "confirmed"


def test_an_outsider_cannot_cancel_anothers_sign_up(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(days=2))
    owner = RiderFactory()
    services.sign_up(rider=owner, activity_id=activity.pk)
    response = client.post(cancel_url(activity), follow=True)
    assert response.status_code == 200
    assert SignUp.objects.get(activity=activity, rider=owner).status == SignUp.Status.SIGNED_UP
    assert not SignUp.objects.filter(activity=activity, rider=rider).exists()
    with pytest.raises(DomainError) as refused:
        services.sign_up_cancel(rider=rider, activity_id=activity.pk)
    assert refused.value.code == "not_signed_up"


def test_cancelling_twice_or_an_unknown_activity_is_refused(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(days=2))
    services.sign_up(rider=rider, activity_id=activity.pk)
    services.sign_up_cancel(rider=rider, activity_id=activity.pk)
    with pytest.raises(DomainError) as refused:
        services.sign_up_cancel(rider=rider, activity_id=activity.pk)
    assert refused.value.code == "not_signed_up"
    assert client.post(reverse("volunteering:cancel", args=[999999])).status_code == 404


def test_cancel_is_post_only_and_for_riders(client, rider):
    activity = activity_at(timezone.now() + dt.timedelta(days=2))
    assert client.get(cancel_url(activity)).status_code == 405
    client.logout()
    assert client.post(cancel_url(activity)).status_code == 302  # to sign-in
    client.force_login(StaffFactory())
    assert client.post(cancel_url(activity)).status_code == 403


def test_sign_up_closes_when_a_timed_activity_starts(rider):
    activity = activity_at(timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        services.sign_up(rider=rider, activity_id=activity.pk)
    assert refused.value.code == "closed"


def test_activities_show_their_time_and_hours_with_a_unit(client, rider):
    start = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=3), dt.time(14, 30))
    )
    activity = activity_at(start)
    services.sign_up(rider=rider, activity_id=activity.pk)
    page = client.get(
        reverse("volunteering:team", args=[activity.team_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f'<time datetime="{start.isoformat()}" data-activity-time>' in page
    assert f"{activity.date:%Y-%m-%d} 14:30" in page
    assert "3.0 hours" in page
    record = client.get(reverse("volunteering:teams"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{activity.date:%Y-%m-%d} 14:30" in record
