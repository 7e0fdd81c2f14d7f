from django.core.management.base import BaseCommand, CommandError

from api.services import token_issue
from core.errors import DomainError
from core.models import City
from governance.models import Department


class Command(BaseCommand):
    help = (
        "Issue an API token and print it once: --department CODE --name LABEL for a department "
        "officer, or --integration NAME for an Open311 api_key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--department", help="Department code, for an officer's token.")
        parser.add_argument("--name", help="Label, e.g. the officer's name or desk.")
        parser.add_argument("--integration", help="Name of a system that submits reports.")
        parser.add_argument(
            "--city", help="City code of an integration key (needed once there are several)."
        )

    def handle(
        self, *args, department=None, name=None, integration=None, city=None, **options
    ) -> None:
        if bool(department) == bool(integration):
            raise CommandError("Give either --department CODE --name LABEL, or --integration NAME.")
        if integration:
            found_city = City.objects.filter(code=city).first() if city else None
            if city and found_city is None:
                raise CommandError(f"No city with code {city!r}.")
            try:
                _token, key = token_issue(label=integration, integration=True, city=found_city)
            except DomainError as error:
                raise CommandError(f"{error.message} (--city CODE)") from None
        else:
            if not name:
                raise CommandError("--name is required with --department.")
            found = Department.objects.filter(code=department, is_active=True).first()
            if found is None:
                raise CommandError(f"No active department with code {department!r}.")
            _token, key = token_issue(label=name, department=found)
        self.stdout.write(key)
        self.stderr.write("Store it now: it is not shown again.")
