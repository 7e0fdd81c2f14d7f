"""The one way we queue Celery tasks: after the current transaction commits.

A task queued inside a transaction that later rolls back would run against rows that do not
exist; a task queued before commit may run before the rows are visible to the worker.
"""

from functools import partial

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    transaction.on_commit(partial(task.delay, *args, **kwargs))
