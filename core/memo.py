"""A value each process keeps for a short while: rows that change rarely and are read on every
request or task (routing rules, webhook receivers).

Not the Django cache: these are model instances read many times a second, for which a
round trip to Redis would cost more than the query it saves. Saving a row clears the copy of
the process that saved it at once (a post_save receiver calls `forget`); other processes follow
within `ttl_seconds`.
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessMemo(Generic[T]):
    def __init__(self, load: Callable[[], T], *, ttl_seconds: float) -> None:
        self._load = load
        self.ttl_seconds = ttl_seconds
        self._value: T | None = None
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            now = time.monotonic()
            if self._loaded_at is None or now - self._loaded_at > self.ttl_seconds:
                self._value = self._load()
                self._loaded_at = now
            return self._value  # type: ignore[return-value]

    def forget(self, **_signal_kwargs) -> None:
        """Load again on the next `get` (usable as a signal receiver)."""
        with self._lock:
            self._loaded_at = None
