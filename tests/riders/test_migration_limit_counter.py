"""riders/0007 moves the notification SMS counters into LimitCounter, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

BEFORE = [("riders", "0006_sms_subject")]
AFTER = [("riders", "0007_limit_counter_for_notifications")]


@pytest.mark.django_db(transaction=True)
def test_notification_counters_keep_their_counts_under_scopes_of_their_own():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    window = timezone.now().replace(minute=0, second=0, microsecond=0)
    old.get_model("riders", "SignInCounter").objects.create(
        scope="sms_hour", key="", window_start=window, count=7
    )
    Notify = old.get_model("riders", "NotifyCounter")
    Notify.objects.create(scope="rider_day", key="42", window_start=window, count=3)
    Notify.objects.create(
        scope="site_hour", key="", window_start=window, count=900, alerted_at=window
    )
    PeriodicTask.objects.create(
        name="purge-notify-counters",
        task="riders.tasks.purge_notify_counters",
        crontab=CrontabSchedule.objects.create(minute="40", hour="3"),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = {
        (row.scope, row.key): (row.count, row.alerted_at)
        for row in new.get_model("riders", "LimitCounter").objects.all()
    }
    assert rows == {
        ("sms_hour", ""): (7, None),
        ("notify_rider_day", "42"): (3, None),
        ("notify_site_hour", ""): (900, window),
    }
    assert (
        not new.get_model("django_celery_beat", "PeriodicTask")
        .objects.filter(task="riders.tasks.purge_notify_counters")
        .exists()
    )

    executor = MigrationExecutor(connection)  # and back: nothing is lost either way
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    assert dict(
        back.get_model("riders", "NotifyCounter").objects.values_list("scope", "count")
    ) == {"rider_day": 3, "site_hour": 900}
    assert list(
        back.get_model("riders", "SignInCounter").objects.values_list("scope", "count")
    ) == [("sms_hour", 7)]
    latest = MigrationExecutor(connection)  # leave the schema as we found it
    latest.migrate(latest.loader.graph.leaf_nodes())
