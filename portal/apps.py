from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The pages that show several apps at once (Home, Services). It sits above every domain
    app and reads them through their selectors, so `core` stays a leaf that imports none."""

    name = "portal"
    verbose_name = _("Portal")
