"""Staff read their own alerts in the admin; "Mark my messages read" is an
`@admin.action(permissions=["view"])`: whoever may see their messages there may run it, and it
touches only their own."""

import pytest
from django.urls import reverse

from core.models import Notification
from core.services import notification_post
from tests.admin_actions import offered_actions
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("admin:core_notification_changelist")


def mark_read(client, notifications):
    return client.post(
        INBOX, {"action": "mark_read", "_selected_action": [n.pk for n in notifications]}
    )


def test_staff_mark_their_own_messages_read_and_nobody_elses(client):
    staff, colleague = StaffFactory(), StaffFactory()
    mine = notification_post(recipient=staff, title="webhook given up")
    theirs = notification_post(recipient=colleague, title="SMS budget spent")
    client.force_login(staff)
    assert "mark_read" in offered_actions(client.get(INBOX))
    mark_read(client, [mine])
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_who_may_not_use_the_admin_cannot_run_it(client):
    rider = RiderFactory()
    message = notification_post(recipient=rider.user, title="hello")
    client.force_login(rider.user)
    assert mark_read(client, [message]).status_code == 302  # to the admin's sign-in
    assert Notification.objects.get(pk=message.pk).read_at is None
