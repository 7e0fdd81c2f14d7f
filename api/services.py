import secrets

from django.db import transaction
from django.utils import timezone

from core.models import User
from governance.models import Department

from .models import ApiToken, token_digest


def token_issue(
    *,
    label: str,
    department: Department | None = None,
    integration: bool = False,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is never stored, only its hash."""
    key = secrets.token_urlsafe(30)  # 40 characters
    with transaction.atomic():
        token = ApiToken.objects.create(
            kind=ApiToken.Kind.INTEGRATION if integration else ApiToken.Kind.OFFICER,
            department=None if integration else department,
            label=label,
            prefix=key[:8],
            key_hash=token_digest(key),
            created_by=created_by,
        )
    return token, key


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
