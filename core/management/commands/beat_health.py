"""Health check of Celery beat itself, for its container: has it sent its schedule lately?

django-celery-beat's DatabaseScheduler records `last_run_at` on each periodic task it sends and
saves those rows at least every few minutes. Beat sends the one-minute sweeps every minute, so if
none of the schedule was sent within `--max-age` seconds, beat is stuck or dead — whatever the
broker or the workers are doing (their own health checks cover them).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask


class Command(BaseCommand):
    help = "Exit 0 when Celery beat has sent a scheduled task within --max-age seconds."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=360)

    def handle(self, *args, max_age: int, **options):
        last = (
            PeriodicTask.objects.filter(enabled=True, last_run_at__isnull=False)
            .order_by("-last_run_at")
            .values_list("last_run_at", flat=True)
            .first()
        )
        if last is None:
            raise CommandError("beat has not sent any scheduled task yet")
        age = timezone.now() - last
        if age > dt.timedelta(seconds=max_age):
            raise CommandError(f"beat last sent a task {int(age.total_seconds())} s ago")
        self.stdout.write(f"beat ok: last sent {int(age.total_seconds())} s ago")
