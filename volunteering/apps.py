from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class VolunteeringConfig(AppConfig):
    name = "volunteering"
    verbose_name = _("Volunteer teams")

    # What each staff role may do with this app's models; core/roles.py grants it after every
    # migrate.
    role_permissions = {roles.CENTRE_ADMIN: roles.ALL}

    def ready(self) -> None:
        from .personal_data import register_holdings

        register_holdings()  # what volunteering holds of a rider (core/personal_data.py, issue 20)
