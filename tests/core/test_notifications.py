import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.messages import Message
from core.models import Notification
from core.selectors import inbox_for, unread_count
from core.services import notification_post, notifications_mark_read
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db

INBOX = Message("tests.inbox", _("Inbox"), _("No messages yet."))


def test_a_notification_is_rendered_in_the_language_it_is_read_in():
    reader = RiderFactory(user__language="en").user  # chose English when it was posted
    notification_post(recipient=reader, message=INBOX)
    stored = Notification.objects.get()
    assert (stored.kind, stored.params, stored.title, stored.body) == ("tests.inbox", {}, "", "")
    with translation.override("zh-hans"):
        assert (stored.heading, stored.text) == ("消息", "暂无消息。")
    with translation.override("en"):
        assert (stored.heading, stored.text) == ("Inbox", "No messages yet.")


def test_translated_text_outside_a_message_is_refused():
    # A lazy translation stored as text would freeze one language: the old rule, gone.
    with pytest.raises(TypeError):
        notification_post(recipient=RiderFactory().user, title=_("Inbox"))


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


def test_the_admin_shows_a_message_in_the_reading_admins_language(client):
    staff = StaffFactory()
    message = notification_post(recipient=staff, message=INBOX)
    client.force_login(staff)
    changelist = reverse("admin:core_notification_changelist")
    assert "Inbox" in client.get(changelist, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "消息" in client.get(changelist, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    change = reverse("admin:core_notification_change", args=[message.pk])
    assert "No messages yet." in client.get(change, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "暂无消息。" in client.get(change, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
