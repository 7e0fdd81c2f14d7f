from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RidersConfig(AppConfig):
    name = "riders"
    verbose_name = _("Riders")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the SMS start-up checks)
