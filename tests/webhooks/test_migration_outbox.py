"""webhooks/0002_outbox maps the old statuses: retrying → pending (due now), gave up → failed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("webhooks", "0001_initial")]
AFTER = [("webhooks", "0002_outbox")]


@pytest.mark.django_db(transaction=True)
def test_old_statuses_are_mapped_and_old_retries_become_due():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Department = old.get_model("governance", "Department")
    Report = old.get_model("governance", "Report")
    Webhook = old.get_model("webhooks", "Webhook")
    Delivery = old.get_model("webhooks", "Delivery")
    Attempt = old.get_model("webhooks", "Attempt")
    from tests.factories import DepartmentFactory, ReportFactory

    department = Department.objects.get(pk=DepartmentFactory().pk)
    report = Report.objects.get(pk=ReportFactory().pk)
    webhook = Webhook.objects.create(label="x", url="http://127.0.0.1:1/", department=department)
    rows = {
        status: Delivery.objects.create(
            webhook=webhook, event="report.routed", report=report, payload={}, status=status
        )
        for status in ("pending", "succeeded", "failed", "gave_up")
    }
    Attempt.objects.create(delivery=rows["gave_up"], ok=False, duration_ms=1, error="down")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("webhooks", "Delivery")
    status = dict(new.objects.values_list("pk", "status"))
    assert {old_status: status[row.pk] for old_status, row in rows.items()} == {
        "pending": "pending",
        "succeeded": "delivered",
        "failed": "pending",
        "gave_up": "failed",
    }
    retrying = new.objects.get(pk=rows["failed"].pk)
    assert retrying.next_attempt_at <= timezone.now() and retrying.claimed_until is None
    assert new.objects.get(pk=rows["gave_up"].pk).failed_at is not None
    latest = MigrationExecutor(connection)  # leave the schema as we found it
    latest.migrate(latest.loader.graph.leaf_nodes())
