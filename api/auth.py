"""Who may call the API: a department officer's token (Authorization: Token <key>)."""

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import RedisError
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from core.cache import record_cache_failure

from .models import ApiToken, token_digest

logger = logging.getLogger("api.auth")

# Recording every use would make each read a write; a minute's precision is enough.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class TokenPrincipal:
    """What request.user is for an API call: the token's holder, not a Django user."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        self.department = token.department
        self.pk = None

    def __str__(self) -> str:
        return str(self.token)


def token_for_key(key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("department")
        .filter(key_hash=token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed(_("Send the header as: Authorization: Token <key>."))
        token = token_for_key(header[1].decode("latin-1"))
        if token is None:
            raise AuthenticationFailed(_("The token is not valid or was revoked."))
        return TokenPrincipal(token), token

    def authenticate_header(self, request) -> str:
        return "Token"


class IsDepartmentOfficer(BasePermission):
    message = _("This endpoint needs a department officer's token.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return (
            isinstance(token, ApiToken)
            and token.kind == ApiToken.Kind.OFFICER
            and token.department is not None
            and token.department.is_active
        )


class TokenRateThrottle(SimpleRateThrottle):
    """Per token, limits in settings (REST_FRAMEWORK DEFAULT_THROTTLE_RATES["token"]).

    Fails open: when the cache that keeps the request history is unreachable, departments keep
    working unthrottled for the outage (logged and counted) rather than getting 500s. Our
    cache backend (core.cache.FailOpenRedisCache) already answers as empty; this also covers
    a plain RedisCache configured by hand.
    """

    scope = "token"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning("Throttle cache unreachable (%s); letting the request through", error)
            record_cache_failure("throttle")
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how ApiTokenAuthentication works."""

    target_class = "api.auth.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`, from `manage.py issue_api_token`.",
        }
