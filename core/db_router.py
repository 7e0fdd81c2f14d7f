"""Reads that tolerate a little lag go to the PostgreSQL streaming replica (issue 19).

Only when a replica is configured (DATABASE_REPLICA_URL → the "replica" alias) and only inside
a request that `ReplicaReadsMiddleware` marked: a GET or HEAD of a path in
settings.REPLICA_READ_PATHS (Open311's public lists, the hall screen, the closure dashboard
and the scorecard). Everything else, every write and every task reads the primary.

Never a read that must see the request's own write:
- once the request has written (any `db_for_write` in it), its reads go to the primary;
- inside a transaction on the primary (an atomic block), reads stay with it;
- sign-in, sessions, lockouts, second factors and API tokens are always read from the primary
  (a session just created, a token just revoked must count at once): PRIMARY_ONLY_APPS.

Never a replica that is down or behind: `replica_usable()` asks both servers at most every
REPLICA_CHECK_SECONDS where they are (`replica_lag_seconds`) and falls back to the primary
beyond REPLICA_MAX_LAG_SECONDS, or when the replica cannot be reached (then it is not asked
again for REPLICA_CHECK_SECONDS, so a dead replica costs one failed connect per process and
interval, not one per request).
"""

import contextvars
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
# Apps whose rows a request must read as just written: sign-in and its limits, the session,
# the staff's second factor, the department's token (revocations take effect at once).
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "core", "axes", "otp_totp", "otp_static", "django_otp", "api"}
)


@dataclass
class _ReadState:
    lag_tolerant: bool = False
    wrote: bool = False


_state: contextvars.ContextVar[_ReadState | None] = contextvars.ContextVar(
    "replica_reads", default=None
)


class _Health:
    """The replica's last known state in this process: (usable, checked at)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.usable = False
        self.checked_at = -float("inf")
        self.lag: float | None = None
        self.samples: deque[tuple[float, int]] = deque(maxlen=256)  # (when, primary's position)


_health = _Health()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _positions() -> tuple[int, int]:
    """(the primary's current WAL position, the replica's replayed position), in bytes.

    The primary's insert position, not its write position: a transaction committed without
    waiting for the disk (routing, docs/decisions.md) may sit in the WAL buffers for a while,
    and a replica that lacks it is behind all the same."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")
        (primary_at,) = cursor.fetchone()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
        )
        in_recovery, replayed = cursor.fetchone()
    if not in_recovery or replayed is None:
        # Promoted (a fail-over) or never started replaying: not a replica of ours.
        raise DatabaseError("the replica is not replaying the primary")
    return int(primary_at), int(replayed)


def replica_lag_seconds(*, now: float | None = None) -> float:
    """How stale the replica may be, in seconds: 0 when it has replayed the primary's current
    position; else the time since the newest position this process saw on the primary that
    the replica has replayed (inf when none is known yet). A busy primary moves on between
    the two questions, so "caught up" is judged against positions seen at earlier checks,
    not only the one just read; the time of a commit needs no table of our own. Raises
    DatabaseError when either server cannot be asked."""
    primary_at, replayed = _positions()
    now = time.monotonic() if now is None else now
    samples = _health.samples
    samples.append((now, primary_at))
    while len(samples) > 1 and now - samples[0][0] > 10 * settings.REPLICA_MAX_LAG_SECONDS:
        samples.popleft()
    if replayed >= primary_at:
        return 0.0
    seen = [at for at, position in samples if position <= replayed]
    return now - max(seen) if seen else float("inf")


def replica_usable(*, now: float | None = None) -> bool:
    """Whether lag-tolerant reads may go to the replica now (checked at most every
    REPLICA_CHECK_SECONDS per process)."""
    if not replica_configured():
        return False
    now = time.monotonic() if now is None else now
    if now - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _health.usable
    with _health.lock:
        if now - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
            return _health.usable
        try:
            lag = replica_lag_seconds(now=now)
        except DatabaseError as error:
            logger.warning("Replica unusable, reading from the primary: %s", error)
            connections[REPLICA].close()
            lag = None
        _health.lag = lag
        _health.usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        if lag is not None and not _health.usable:
            logger.warning("Replica %.1f s behind, reading from the primary", lag)
        _health.checked_at = now
        return _health.usable


def replica_health_reset() -> None:
    """Forget the last check (tests; a deploy that repointed the replica)."""
    with _health.lock:
        _health.checked_at = -float("inf")
        _health.usable = False
        _health.lag = None
        _health.samples.clear()


class lag_tolerant_reads:
    """`with lag_tolerant_reads():` the reads inside may come from the replica (the
    middleware uses it for a request; a management command or a test may too)."""

    def __enter__(self) -> "lag_tolerant_reads":
        self._token = _state.set(_ReadState(lag_tolerant=True))
        return self

    def __exit__(self, *exc) -> None:
        _state.reset(self._token)


class ReplicaRouter:
    """settings.DATABASE_ROUTERS when a replica is configured."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.lag_tolerant or state.wrote:
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA if replica_usable() else PRIMARY

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY  # the replica replays the primary's schema


class ReplicaReadsMiddleware:
    """Marks a GET or HEAD of a path in settings.REPLICA_READ_PATHS as lag-tolerant."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        paths = tuple(settings.REPLICA_READ_PATHS)
        if (
            paths
            and request.method in ("GET", "HEAD")
            and request.path.startswith(paths)
            and replica_configured()
        ):
            with lag_tolerant_reads():
                return self.get_response(request)
        return self.get_response(request)
