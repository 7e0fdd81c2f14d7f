from django.core.management.base import BaseCommand, CommandError

from rewards.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Prove every rider's cached points balance equals the sum of their ledger."

    def handle(self, *args, **options) -> None:
        mismatches = ledger_mismatches()
        for rider_id, balance, ledger in mismatches:
            self.stderr.write(f"rider {rider_id}: balance {balance} ≠ ledger sum {ledger}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} points balance(s) do not match the ledger.")
        self.stdout.write(self.style.SUCCESS("Every points balance equals its ledger."))
