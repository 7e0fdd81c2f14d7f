from django.core.management.base import BaseCommand

from api.services import idempotency_records_purge


class Command(BaseCommand):
    help = (
        "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS (beat does this "
        "hourly; run it by hand after lowering the setting)."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{idempotency_records_purge()} records deleted.")
