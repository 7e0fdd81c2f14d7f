"""The outbox in the admin: status, attempts and next attempt; filters; Redeliver."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.models import User
from tests.factories import StaffFactory
from webhooks.models import Delivery

from .helpers import emit, hook
from .receiver import Receiver

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:webhooks_delivery_changelist"


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def boss(client):
    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    return client


def test_the_list_shows_status_attempts_and_next_attempt_and_filters_by_status(boss):
    _pending, failed = emit(hook("http://127.0.0.1:1/hook"), 2, fast_path=False)
    Delivery.objects.filter(pk=failed.pk).update(
        status=Delivery.Status.FAILED, attempts=31, failed_at=timezone.now()
    )
    response = boss.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    for column in ("column-status", "column-attempts", "column-next_attempt_at"):
        assert column in html
    response = boss.get(reverse(CHANGELIST), {"status__exact": "failed"})
    assert list(response.context["cl"].result_list) == [failed]
    response = boss.get(reverse("admin:webhooks_delivery_change", args=[failed.pk]))
    assert response.status_code == 200 and "claimed_until" in response.content.decode()


def test_redeliver_makes_a_failed_delivery_due_now_and_sends_it(
    boss, receiver, django_capture_on_commit_callbacks
):
    (delivery,) = emit(hook(receiver.url), fast_path=False)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED,
        failed_at=timezone.now(),
        next_attempt_at=timezone.now() - dt.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = boss.post(
            reverse(CHANGELIST), {"action": "redeliver", "_selected_action": [delivery.pk]}
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.failed_at is None
    assert receiver.accepted() == [str(delivery.delivery_id)]  # the same delivery id


def test_redeliver_queues_the_fast_path_and_the_sweep_would_find_it_anyway(
    boss, django_capture_on_commit_callbacks
):
    from webhooks.services import deliveries_due

    (delivery,) = emit(hook("http://127.0.0.1:1/hook"), fast_path=False)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        boss.post(reverse(CHANGELIST), {"action": "redeliver", "_selected_action": [delivery.pk]})
    assert len(callbacks) == 1
    assert list(deliveries_due(now=timezone.now())) == [delivery]


def test_staff_without_permission_cannot_see_or_redeliver(client):
    (delivery,) = emit(hook("http://127.0.0.1:1/hook"), fast_path=False)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)
    outsider = StaffFactory()
    client.force_login(outsider)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    # View permission alone shows the list but not the action.
    outsider.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200 and "redeliver" not in response.content.decode()
    client.post(reverse(CHANGELIST), {"action": "redeliver", "_selected_action": [delivery.pk]})
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.FAILED
