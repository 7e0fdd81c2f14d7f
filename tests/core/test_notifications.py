import pytest
from django.utils.translation import gettext_lazy as _

from core.models import Notification
from core.selectors import inbox_for, unread_count
from core.services import notification_post, notifications_mark_read
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


def test_notification_is_written_in_the_recipients_language():
    chinese_reader = RiderFactory().user
    english_reader = RiderFactory(user__language="en").user
    for user in (chinese_reader, english_reader):
        notification_post(recipient=user, title=_("Inbox"), body=_("No messages yet."))
    assert inbox_for(user=chinese_reader)[0].title == "消息"
    assert inbox_for(user=english_reader)[0].title == "Inbox"
    assert inbox_for(user=english_reader)[0].body == "No messages yet."


def test_inbox_is_newest_first_and_only_the_recipients():
    mine, theirs = RiderFactory().user, RiderFactory().user
    for n in range(3):
        notification_post(recipient=mine, title=f"mine {n}")
    notification_post(recipient=theirs, title="theirs")
    assert [n.title for n in inbox_for(user=mine)] == ["mine 2", "mine 1", "mine 0"]
    assert unread_count(user=mine) == 3


def test_mark_read_touches_only_the_recipients_unread_messages():
    mine, theirs = RiderFactory().user, RiderFactory().user
    notification_post(recipient=mine, title="a")
    notification_post(recipient=theirs, title="b")
    assert notifications_mark_read(recipient=mine) == 1
    assert unread_count(user=mine) == 0
    assert unread_count(user=theirs) == 1
    assert notifications_mark_read(recipient=mine) == 0


def test_mark_read_from_the_me_page(client):
    rider = RiderFactory()
    notification_post(recipient=rider.user, title="hello")
    client.force_login(rider.user)
    assert client.post("/me/inbox/read/").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
