from django.conf import settings
from django.utils import timezone
from django.utils.translation import override

from .models import Notification, User


class LazyMessage:
    """`message % params`, evaluated in the recipient's language by notification_post.

    A callable param is called at render time, so names are in the reader's language too.
    """

    def __init__(self, message, **params) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        params = {k: v() if callable(v) else v for k, v in self.params.items()}
        return str(self.message) % params


def notification_build(
    *, recipient: User, title: str, body: str = "", link: str = ""
) -> Notification:
    """An unsaved inbox message, rendered in the language the recipient chose (for callers
    that insert many at once with bulk_create)."""
    with override(recipient.language or settings.LANGUAGE_CODE):
        return Notification(recipient=recipient, title=str(title)[:120], body=str(body), link=link)


def notification_post(
    *, recipient: User, title: str, body: str = "", link: str = ""
) -> Notification:
    """Post a message to a user's inbox, translated into the recipient's language.

    Callers pass lazy translations (gettext_lazy / format_lazy); they are rendered here in the
    language the recipient chose, since the inbox is read later, outside this request.
    """
    notification = notification_build(recipient=recipient, title=title, body=body, link=link)
    notification.save()
    return notification


def notifications_mark_read(*, recipient: User) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def user_set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
