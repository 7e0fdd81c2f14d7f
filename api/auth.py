"""Who may call the API: a department officer's token (Authorization: Token <key>)."""

import datetime as dt
import logging
import math
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
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


# --- Token → department, cached in the process ----------------------------------------------
#
# Looking the token up is a query per API call (and its ORM work, 8-14 % of a list request).
# Each process keeps the tokens it has seen for TOKEN_CACHE_SECONDS, tagged with the
# revocation version (a counter in the shared cache, REVOCATION_KEY): revoking or changing
# any token, or changing a department, bumps the counter (token_changed). The process that
# revokes drops its copies at once; every other process reads the counter at most every
# REVOCATION_CHECK_SECONDS and drops its copies when it moved, so a revoked token is refused
# everywhere within 1 s. Only while the shared cache is unreachable does a copy live out its
# TTL: a revoked token may then be honoured for at most TOKEN_CACHE_SECONDS (30 s) in the
# other processes. Unknown keys are never cached.

REVOCATION_KEY = "api:token-revocations"
# How often a process reads the revocation version: a revocation reaches the other processes
# within this, and costs one cache GET per process and second, not one per request.
REVOCATION_CHECK_SECONDS = 1.0
TOKEN_CACHE_MAX = 1000  # tokens per process; a full cache starts again (tokens are few)
_tokens: dict[str, tuple[float, object, ApiToken]] = {}  # digest → (expires, version, token)
_tokens_lock = threading.Lock()


def token_cache_seconds() -> float:
    # A setting, else the environment (0 turns the cache off).
    default = os.environ.get("API_TOKEN_CACHE_SECONDS", "30")
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", default))


_version = {"value": None, "read_at": -math.inf}


def _revocation_version():
    now = time.monotonic()
    if now - _version["read_at"] >= REVOCATION_CHECK_SECONDS:
        try:
            _version["value"] = cache.get(REVOCATION_KEY, 0)
        except (RedisError, OSError) as error:
            # A plain RedisCache raises where ours answers empty: the copies this process
            # holds live out their TTL (the bound docs/api.md states), the request goes on.
            logger.warning("Token revocations unreadable (%s); cached tokens kept", error)
            record_cache_failure("token-cache")
        _version["read_at"] = now
    return _version["value"]


def token_changed() -> None:
    """A token was revoked, changed or deleted, or a department changed: every process's copy
    goes (this one's now, the others' on their next request)."""
    with _tokens_lock:
        _tokens.clear()
        _version["read_at"] = -math.inf  # read it again on the next request
    try:
        if not cache.add(REVOCATION_KEY, 1, None):
            cache.incr(REVOCATION_KEY)
    except ValueError:  # expired between add and incr
        cache.add(REVOCATION_KEY, 1, None)
    except (RedisError, OSError) as error:
        # The revocation is in the database; other processes see it within their TTL.
        logger.warning("Token revocation not broadcast (%s)", error)
        record_cache_failure("token-cache")


def _token_from_database(digest: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("department")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )


def token_for_key(key: str) -> ApiToken | None:
    digest = token_digest(key)
    ttl = token_cache_seconds()
    token = None
    if ttl > 0:
        version = _revocation_version()
        hit = _tokens.get(digest)
        if hit is not None and hit[0] > time.monotonic() and hit[1] == version:
            token = hit[2]
    if token is None:
        token = _token_from_database(digest)
        if token is not None and ttl > 0:
            with _tokens_lock:
                if len(_tokens) >= TOKEN_CACHE_MAX:
                    _tokens.clear()
                _tokens[digest] = (time.monotonic() + ttl, version, token)
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


def window_count(key: str, *, timeout: int) -> int:
    """Count one more request under `key`, which expires after `timeout` seconds; the count.

    On Redis one round trip (SET NX with the expiry, then INCR, pipelined): Django's
    `cache.incr` is two (EXISTS, INCRBY) and needs an `add` for a window's first request.
    Through FailOpenRedisCache's guard, so an outage counts 1 (fail open) without a timeout
    on every request."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        try:
            return int(backend.incr(key))
        except ValueError:  # the window's first request
            if backend.add(key, 1, timeout):
                return 1
            return int(backend.incr(key))
    full_key = backend.make_and_validate_key(key)

    def count() -> int:
        # One client per backend (Django's makes a new one, ~170 callbacks copied, per call).
        client = getattr(backend, "_throttle_client", None)
        if client is None:
            client = backend._throttle_client = backend._cache.get_client(full_key, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.set(full_key, 0, ex=timeout, nx=True)
        pipeline.incr(full_key)
        return int(pipeline.execute()[1])

    attempt = getattr(backend, "_attempt", None)  # core.cache.FailOpenRedisCache
    return int(attempt("incr", count, 1)) if attempt else count()


class TokenRateThrottle(SimpleRateThrottle):
    """Per token, limits in settings (REST_FRAMEWORK DEFAULT_THROTTLE_RATES["token"]).

    A fixed window: one counter per token and window (e.g. the current minute), raised with
    `cache.incr`, one small integer in Redis. DRF's own throttle kept the list of every
    request's time in the window (~3,000 pickled floats read and written per request at a
    raised limit). Over the limit: 429 with Retry-After = the seconds until the window ends.
    A fixed window lets a client send up to twice the limit across a window boundary; the
    limit is a guard against runaway clients, not a quota, so that is fine.

    Fails open: when the cache is unreachable, departments keep working unthrottled for the
    outage (logged and counted) rather than getting 500s. Our cache backend
    (core.cache.FailOpenRedisCache) already answers incr as a counter that just started; this
    also covers a plain RedisCache configured by hand.
    """

    scope = "token"

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            count = self._count(key)
        except (RedisError, OSError) as error:
            logger.warning("Throttle cache unreachable (%s); letting the request through", error)
            record_cache_failure("throttle")
            return True
        if count > self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def _count(self, key: str) -> int:
        now = self.timer()
        window = int(now // self.duration)
        self.wait_seconds = (window + 1) * self.duration - now
        # Kept one window longer than it counts, so a late incr never finds it gone.
        return window_count(f"{key}:{window}", timeout=self.duration * 2)

    def throttle_success(self) -> bool:
        return True

    def wait(self) -> float:
        return max(1, math.ceil(self.wait_seconds))

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
