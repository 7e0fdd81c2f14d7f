from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import CENTRE_ADMIN


class PrivacyConfig(AppConfig):
    """The privacy notice and a rider's consents; the retention table and its daily task
    (issue 20, docs/privacy.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Personal information")

    # Retention runs: centre admins read them and may run the table now (national admins too,
    # through core.roles.ROLE_INCLUDES).
    role_permissions: dict = {CENTRE_ADMIN: ("view_retentionrun", "run_retention")}
