from django.db.models import QuerySet

from .models import Notification, User


def inbox_for(*, user: User, limit: int = 20) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit]


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
