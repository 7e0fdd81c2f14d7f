"""`manage.py beat_health`: the beat container's health check looks at beat's own sends."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


def periodic_task(last_run_at):
    every = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(
        name=f"t{PeriodicTask.objects.count()}",
        task="governance.tasks.sweep_unrouted_reports",
        interval=every,
        last_run_at=last_run_at,
    )


def test_healthy_when_beat_sent_a_task_lately(capsys):
    periodic_task(timezone.now() - dt.timedelta(minutes=4))
    periodic_task(timezone.now() - dt.timedelta(days=2))
    call_command("beat_health")
    assert "beat ok" in capsys.readouterr().out


def test_unhealthy_when_the_last_send_is_old():
    periodic_task(timezone.now() - dt.timedelta(minutes=30))
    with pytest.raises(CommandError, match="s ago"):
        call_command("beat_health")


def test_unhealthy_before_beat_ever_ran():
    periodic_task(None)
    with pytest.raises(CommandError, match="not sent"):
        call_command("beat_health")
