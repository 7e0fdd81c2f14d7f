"""Data for the outbox tests: a receiver's webhook and reports that emit deliveries to it."""

import datetime as dt
from contextlib import ExitStack
from unittest import mock

from django.db import transaction
from django.utils import timezone

from governance.models import Department, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory
from webhooks.models import Delivery, Event, Webhook
from webhooks.services import webhooks_emit


def hook(url: str, department: Department | None = None, **fields) -> Webhook:
    return Webhook.objects.create(
        label=fields.pop("label", "test receiver"),
        url=url,
        department=department or DepartmentFactory(),
        events=[Event.ROUTED, Event.CLOSED],
        secret="s3cret",
        **fields,
    )


def emit(webhook: Webhook, count: int = 1, *, fast_path: bool = True) -> list[Delivery]:
    """`count` report.routed events for the webhook's department, emitted in one transaction
    (as the routing sweep does); their fast-path tasks are queued when it commits, unless
    `fast_path=False` (rows only, as if every message had been lost)."""
    rider = RiderFactory()
    # Routed and far from their deadline, so no other sweep a worker's beat runs touches them.
    reports = ReportFactory.create_batch(
        count,
        rider=rider,
        department=webhook.department,
        status=ReportStatus.ROUTED,
        routed_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(days=7),
    )
    with transaction.atomic(), ExitStack() as stack:
        if not fast_path:
            stack.enter_context(mock.patch("webhooks.services.enqueue_on_commit"))
        webhooks_emit(event=Event.ROUTED, reports=reports)
    return list(Delivery.objects.filter(report__in=reports).order_by("id"))
