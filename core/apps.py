from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from riders_portal.celery import ensure_broker_folders

        from .photos import install_pillow_limit

        ensure_broker_folders()
        install_pillow_limit()

        # After the admin's autodiscovery (django.contrib.admin is ready first): our audit log
        # admin replaces the one auditlog registers. Importing staff_auth connects the signal
        # that gives a staff session a working day.
        from . import audit_admin, staff_auth  # noqa: F401

        audit_admin.register()
