"""Domain events: how one app reacts to what happened in another without the two importing
each other (STYLE.md 12).

The writing service says *what happened* with `publish(event)`, an event being a frozen
dataclass of ids and plain values defined next to its publisher (`governance/events.py`).
Subscribers register with `subscribe(EventType, handler)` in their own app's
`AppConfig.ready()`; the publisher never imports a subscriber.

The rule that keeps "published on commit" true: `publish` calls every subscriber
synchronously, inside the publisher's transaction. A subscriber therefore

- queues a task only with `core.queue.enqueue_on_commit`, so the task runs after the commit
  and never for a change that was rolled back;
- writes rows (the webhooks outbox's `Delivery` rows) in the same transaction as the change,
  so the change and its effects commit or roll back together and nothing is lost between the
  commit and an on-commit callback (a crash there loses no delivery: the rows are committed,
  the sweep sends them).

A subscriber's error propagates to the publisher and rolls its transaction back, as the same
code called directly would.
"""

from collections.abc import Callable
from typing import Any

_subscribers: dict[type, list[Callable[[Any], None]]] = {}


def subscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    """Call `handler(event)` for every published event of exactly this type. Subscribing the
    same handler twice (a `ready()` run again) registers it once."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    handlers = _subscribers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def publish(event: object) -> None:
    """Tell the subscribers of `type(event)`, in the order they subscribed, in the caller's
    transaction (see the module docstring)."""
    for handler in list(_subscribers.get(type(event), ())):
        handler(event)
