from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class RidersConfig(AppConfig):
    name = "riders"
    verbose_name = _("Riders")

    # A city's admins keep its riders (core/tenancy.py: their city's only): the roster import
    # adds and changes them; moving a rider to another city is a change (rider_move_city).
    role_permissions = {
        roles.CENTRE_ADMIN: (
            "view_rider",
            "add_rider",
            "change_rider",
            "view_tierperiod",
            "view_citymove",
        ),
    }

    def ready(self) -> None:
        # New keys in a running process (override_settings in tests): derive them again.
        from django.test.signals import setting_changed

        from . import checks  # noqa: F401  (registers the SMS start-up checks)
        from .phones import encryption_keys_forget

        def keys_changed(setting, **kwargs):
            if setting in ("SALT_KEY", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
                encryption_keys_forget()

        setting_changed.connect(keys_changed, weak=False, dispatch_uid="riders.phone_keys")

        from .personal_data import register_holdings

        register_holdings()  # what riders holds of a rider (core/personal_data.py, issue 20)
