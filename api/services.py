import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import City, User
from core.tenancy import sole_city_id
from governance.models import Department

from .models import ApiToken, IdempotencyRecord, token_digest


def token_issue(
    *,
    label: str,
    department: Department | None = None,
    integration: bool = False,
    city: City | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is never stored, only its hash.
    An officer token is of its department's city; an integration key of `city` (needed once
    there are several cities, issue 19)."""
    city_id: int | None
    if department is not None and not integration:
        city_id = department.city_id
    else:
        city_id = city.pk if city is not None else sole_city_id()
    if city_id is None:
        raise DomainError(
            _("Choose the city this key files reports in."), code="token_city_required"
        )
    key = secrets.token_urlsafe(30)  # 40 characters
    with transaction.atomic():
        token = ApiToken.objects.create(
            kind=ApiToken.Kind.INTEGRATION if integration else ApiToken.Kind.OFFICER,
            department=None if integration else department,
            city_id=city_id,
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


def idempotency_cutoff() -> dt.datetime:
    """Records older than this are forgotten: a retry after that is a new request."""
    return timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_records_purge(*, before: dt.datetime | None = None) -> int:
    """Delete Idempotency-Key records past their lifetime; returns how many."""
    deleted, _details = IdempotencyRecord.objects.filter(
        created_at__lt=before or idempotency_cutoff()
    ).delete()
    return deleted
