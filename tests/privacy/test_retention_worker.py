"""A real Celery worker applies the retention table when beat sends the nightly task."""

import datetime as dt

import pytest
from django.utils import timezone

from privacy.models import RetentionRun
from privacy.tasks import retention_apply
from riders.models import SignInCode
from riders.phones import phone_digest

pytestmark = pytest.mark.worker


def test_the_worker_applies_the_table_and_records_the_run(celery_worker):
    created = timezone.now() - dt.timedelta(days=2)
    old = SignInCode.objects.create(
        phone_hash=phone_digest("13800000001"),
        phone_masked="138****0001",
        code_hash="x" * 64,
        created_at=created,
        expires_at=created + dt.timedelta(minutes=5),
        is_current=False,
    )
    retention_apply.delay()  # what beat sends at 03:30
    celery_worker(
        lambda: RetentionRun.objects.filter(finished_at__isnull=False).exists(),
        what="the worker to apply the retention table",
    )
    run = RetentionRun.objects.get()
    assert run.failures == 0, run.results
    assert not SignInCode.objects.filter(pk=old.pk).exists()
    entry = next(e for e in run.results if e["rule"] == "riders.sign_in_codes")
    assert entry["rows"] == 1
