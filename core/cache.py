"""A Redis cache whose outage costs a cache miss, not a 500.

Everything we keep in the cache can be recomputed from the database (headline figures, bed
counts) or is a limit that may fail open for a few minutes (API throttles). So when Redis is
unreachable every operation answers as an empty cache would, the outage is logged once (and
its end), every operation served "as empty" is counted, and for `RETRY_AFTER_SECONDS` after a
failure the backend does not even try Redis: an outage costs one refused connect (or one short
connect timeout) per thread every few seconds, not a timeout on every call.

What "as an empty cache would" means, per operation: get → the default, get_many → {},
has_key/delete/touch/clear → False, add → True (the key was not there), set/set_many → no-op
(set_many returns every key as not stored), incr/decr → `delta` (a counter that just started),
get_or_set → the computed default (BaseCache builds it from get and add).
"""

import logging
import threading
import time
from collections import Counter

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("core.cache")

# Per process: how many cache operations were answered "as empty" because Redis was down,
# by operation. /healthz shows the total; tests read it.
failures: Counter = Counter()
_lock = threading.Lock()


def record_cache_failure(operation: str) -> None:
    with _lock:
        failures[operation] += 1


def cache_failure_count() -> int:
    with _lock:
        return sum(failures.values())


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache, but a Redis outage degrades to an empty cache (see module doc)."""

    RETRY_AFTER_SECONDS = 5.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        # Ours, not redis-py's: the pool would refuse an unknown keyword.
        self.retry_after = float(options.pop("retry_after_failure", self.RETRY_AFTER_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        # Django keeps one backend instance per thread, so this state needs no lock.
        self._down_until = 0.0
        self._outage = False

    def _attempt(self, operation: str, call, fallback):
        if time.monotonic() < self._down_until:
            record_cache_failure(operation)
            return fallback
        try:
            result = call()
        except (RedisError, OSError) as error:
            if not self._outage:
                logger.warning(
                    "Cache unreachable on %s (%s); answering as an empty cache until it is back",
                    operation,
                    error,
                )
                self._outage = True
            self._down_until = time.monotonic() + self.retry_after
            record_cache_failure(operation)
            return fallback
        if self._outage:
            logger.warning("Cache reachable again")
            self._outage = False
        return result

    def ping(self) -> bool:
        """A real round trip to Redis (for /healthz), ignoring the retry pause."""
        try:
            return bool(self._cache.get_client(None, write=True).ping())
        except (RedisError, OSError):
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "add", lambda: RedisCache.add(self, key, value, timeout, version), True
        )

    def get(self, key, default=None, version=None):
        return self._attempt("get", lambda: RedisCache.get(self, key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt("set", lambda: RedisCache.set(self, key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt("touch", lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key, version=None):
        return self._attempt("delete", lambda: RedisCache.delete(self, key, version), False)

    def get_many(self, keys, version=None):
        return self._attempt("get_many", lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key, version=None):
        return self._attempt("has_key", lambda: RedisCache.has_key(self, key, version), False)

    def incr(self, key, delta=1, version=None):
        return self._attempt("incr", lambda: RedisCache.incr(self, key, delta, version), delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "set_many", lambda: RedisCache.set_many(self, data, timeout, version), list(data)
        )

    def delete_many(self, keys, version=None):
        self._attempt("delete_many", lambda: RedisCache.delete_many(self, keys, version), None)

    def clear(self):
        return self._attempt("clear", lambda: RedisCache.clear(self), False)
