from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The privacy notice and a rider's consents; the retention table and its daily task
    (issue 20, docs/privacy.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Personal information")

    role_permissions: dict = {}
