"""Portal pages: who may open them, and a constant number of queries whatever the data size."""

import pytest
from django.urls import reverse

from core.services import notification_post
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db
PAGES = ["/", "/services/", "/report/", "/reports/", "/me/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{reverse('riders:sign_in')}?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_staff_without_a_rider_profile_get_403(client, path):
    client.force_login(StaffFactory())
    assert client.get(path).status_code == 403


def test_me_shows_only_the_riders_own_inbox(client):
    mine, theirs = RiderFactory(), RiderFactory()
    notification_post(recipient=mine.user, title="给我的消息")
    notification_post(recipient=theirs.user, title="别人的消息")
    client.force_login(mine.user)
    page = client.get("/me/").content.decode()
    assert "给我的消息" in page and "别人的消息" not in page


# Home: the session, user and rider, the reports waiting for the rider's check, those a
# department asked about, the figures (counted when the cache is cold) and the greeting's
# district; and the cards of what needs doing now (issue 17): the bed offer, today's pick-ups,
# points and the catalogue, the subsidy month and its tier, the next course session; what is
# open near the rider (two per need, the rows shown: tests/portal/test_near_now.py).
@pytest.mark.parametrize(("path", "queries"), [("/", 23), ("/me/", 9)])
def test_home_and_me_use_a_constant_number_of_queries(
    client, path, queries, django_assert_max_num_queries
):
    rider = RiderFactory()
    client.force_login(rider.user)
    for riders, notes in ((1, 1), (200, 50)):
        RiderFactory.create_batch(riders)
        for n in range(notes):
            notification_post(recipient=rider.user, title=f"消息 {n}")
        with django_assert_max_num_queries(queries):
            assert client.get(path).status_code == 200
