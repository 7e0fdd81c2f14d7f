from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = _("Hall screen")
    # The centre's admins put screens up and revoke them; nobody else manages them.
    role_permissions = {roles.CENTRE_ADMIN: roles.ALL}

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import HallDisplay

        post_save.connect(_forget_display, sender=HallDisplay, dispatch_uid="hall-forget-save")
        post_delete.connect(_forget_display, sender=HallDisplay, dispatch_uid="hall-forget-del")


def _forget_display(sender, instance, **kwargs) -> None:
    """A revoked or deleted display's URL stops working at once, not after the cache's minute.
    Forgotten now and again after commit, so a reader between the two cannot keep the old row."""
    from django.core.cache import cache
    from django.db import transaction

    from .selectors import display_cache_key

    key = display_cache_key(instance.token)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
