from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.functional import Promise

from .messages import Message, Params
from .models import Notification, User


def notification_build(
    *,
    recipient: User,
    message: Message | None = None,
    params: Params | None = None,
    title: str = "",
    body: str = "",
    link: str = "",
) -> Notification:
    """An unsaved inbox message (for callers that insert many at once with bulk_create).

    A system message is a `message` (core/messages.py) with its `params`, rendered when the
    inbox is read, in the reader's language. `title` and `body` are text stored as is — what a
    person typed; a lazy translation there would freeze one language, so it is refused.
    """
    if isinstance(title, Promise) or isinstance(body, Promise):
        raise TypeError("Translated text goes in a Message, rendered when read.")
    if message is None and not title:
        raise ValueError("A notification needs a message or a title.")
    return Notification(
        recipient=recipient,
        kind=message.kind if message else "",
        params=params or {},
        title=title[:120],
        body=body,
        link=link,
    )


def notification_post(
    *,
    recipient: User,
    message: Message | None = None,
    params: Params | None = None,
    title: str = "",
    body: str = "",
    link: str = "",
) -> Notification:
    """Post a message to a user's inbox (see notification_build)."""
    notification = notification_build(
        recipient=recipient, message=message, params=params, title=title, body=body, link=link
    )
    notification.save()
    return notification


def notifications_mark_read(*, recipient: User) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def user_set_language(*, user: User | AnonymousUser, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
