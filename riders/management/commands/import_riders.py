from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.models import City
from riders.roster import RosterRejected, roster_import


class Command(BaseCommand):
    help = (
        "Import the delivery platform's rider roster (CSV, UTF-8, header "
        "rider_number,name,phone,district,station,join_date,tier[,city]). Upserts by rider "
        "number. Districts are the city's: --city, or each row's city column."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("csv_file", type=Path)
        parser.add_argument(
            "--city", default="", help="The city of the file: its code (jinan) or name (济南)."
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--show-bad", type=int, default=50, help="How many bad rows to list.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self, *args, csv_file: Path, city: str, batch_size, show_bad: int, no_progress, **options
    ):
        the_city = None
        if city:
            the_city = (
                City.objects.filter(code=city).first() or City.objects.filter(name=city).first()
            )
            if the_city is None:
                raise CommandError(f"No city {city!r}; the codes are: {_codes()}")
        try:
            data = csv_file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {csv_file}: {error}") from error
        total = max(data.count(b"\n") - 1, 0)
        with tqdm(
            total=total, unit="rows", disable=no_progress, file=self.stderr._out, leave=False
        ) as bar:
            try:
                report = roster_import(
                    data=data, batch_size=batch_size, progress=bar.update, city=the_city
                )
            except RosterRejected as rejected:
                raise CommandError(rejected.message) from rejected
        self.stdout.write(
            f"{report.rows} rows: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.bad_rows)} bad"
        )
        for bad in report.bad_rows[:show_bad]:
            self.stdout.write(f"  line {bad.line} ({bad.rider_number or '?'}): {bad.reason}")
        if len(report.bad_rows) > show_bad:
            self.stdout.write(f"  … and {len(report.bad_rows) - show_bad} more bad rows")


def _codes() -> str:
    return ", ".join(City.objects.values_list("code", flat=True))
