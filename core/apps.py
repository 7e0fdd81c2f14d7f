from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from .roles import CENTRE_ADMIN, NATIONAL_ADMIN


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    # A city's admins keep its configuration and districts (core/tenancy.py: their own city
    # only); a national admin also adds and removes cities and keeps the staff accounts.
    role_permissions = {
        CENTRE_ADMIN: (
            "view_city",
            "change_city",
            "view_district",
            "add_district",
            "change_district",
        ),
        NATIONAL_ADMIN: (
            "add_city",
            "delete_city",
            "delete_district",
            "add_user",
            "change_user",
            "view_user",
        ),
    }

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

        # Each app's role_permissions, granted after every migrate (core/roles.py). Connected
        # after django.contrib.auth's create_permissions (auth is ready first), so it runs
        # second for each app.
        from django.db.models.signals import post_migrate

        from .roles import grant_after_migrate

        post_migrate.connect(grant_after_migrate, dispatch_uid="core.roles.grant_after_migrate")

        # The city's time zone is kept in the session from sign-in (core/tenancy.py).
        from django.contrib.auth.signals import user_logged_in

        from .tenancy import remember_time_zone

        user_logged_in.connect(remember_time_zone, dispatch_uid="core.tenancy.remember_time_zone")

        # Each app's messages.py registers the message kinds it stores (core/messages.py);
        # found through the app registry, so core imports no other app.
        autodiscover_modules("messages")
