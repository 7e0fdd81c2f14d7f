"""Which queue a task goes to (issue 19): one queue per kind of work, so each worker node can
be sized for its kind and a burst of one kind never waits behind another.

- `reports`: the report pipeline (routing a new report, the sweeps over reports): short
  database work whose delay a rider and a department see (submit → routed).
- `notify`: what leaves the system (SMS, webhook deliveries and their sweeps): network calls
  that wait on a gateway; sized by concurrency, not CPU.
- the default queue (`CELERY_TASK_DEFAULT_QUEUE`, "celery"): everything else (points, canteen
  and apartment sweeps, purges).
- urgent webhook pages keep their own queue, named at the call (WEBHOOK_URGENT_QUEUE): an
  explicit queue wins over this router.

The split is a production layout of the default queue "celery". A process whose default queue
has another name (the tests' private queue per test, tests/conftest.py; a bench's own queue)
keeps every task on that queue, so a worker listening on it alone still runs them all;
CELERY_QUEUE_SPLIT=1 or 0 forces the split on or off.
"""

from django.conf import settings

QUEUE_OF_TASK = {
    "governance.tasks.route_report": "reports",
    "governance.tasks.sweep_unrouted_reports": "reports",
    "governance.tasks.sweep_report_deadlines": "reports",
    "governance.tasks.sweep_unchecked_fixes": "reports",
    "governance.tasks.sweep_unanswered_questions": "reports",
    "riders.tasks.send_sms": "notify",
    "riders.tasks.send_sms_batch": "notify",
    "riders.tasks.sweep_sms": "notify",
    "riders.tasks.send_held_sms": "notify",
    "webhooks.tasks.deliver_webhook": "notify",
    "webhooks.tasks.sweep_webhook_deliveries": "notify",
}
SPLIT_DEFAULT_QUEUE = "celery"


def split_on(default_queue: str) -> bool:
    forced = settings.CELERY_QUEUE_SPLIT
    return default_queue == SPLIT_DEFAULT_QUEUE if forced is None else forced


def route_task(name, args, kwargs, options, task=None, **_kw):
    """A Celery router (settings.CELERY_TASK_ROUTES): the kind's queue, or None (the default)."""
    kind = QUEUE_OF_TASK.get(name)
    if kind is None:
        return None
    from celery import current_app

    app = task.app if task is not None else current_app
    if not split_on(app.conf.task_default_queue):
        return None
    return {"queue": settings.CELERY_KIND_QUEUES[kind]}
