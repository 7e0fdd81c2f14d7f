"""The one way we queue Celery tasks: after the current transaction commits.

A task queued inside a transaction that later rolls back would run against rows that do not
exist; a task queued before commit may run before the rows are visible to the worker.

If the broker is down at that moment the error is logged, not raised: the rows are already
committed, and each task that matters has a periodic sweep that re-queues what was not sent.
"""

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger("core.queue")


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    def send() -> None:
        if task.app.conf.task_always_eager:
            # Inline (tests, CELERY_TASK_ALWAYS_EAGER): a failure is a bug, let it surface.
            task.delay(*args, **kwargs)
            return
        try:
            task.delay(*args, **kwargs)
        except Exception:
            logger.exception("Could not queue %s%r; its sweep will retry", task.name, args)

    transaction.on_commit(send)


def enqueue_on_commit_to(queue: str, task: Task, *args, **kwargs) -> None:
    """As enqueue_on_commit, on the named queue (urgent webhook pages: a worker of their own,
    so they never wait behind slow work; docs/decisions.md)."""

    def send() -> None:
        if task.app.conf.task_always_eager:
            task.apply_async(args, kwargs, queue=queue)
            return
        try:
            task.apply_async(args, kwargs, queue=queue)
        except Exception:
            logger.exception(
                "Could not queue %s%r on %s; its sweep will retry", task.name, args, queue
            )

    transaction.on_commit(send)
