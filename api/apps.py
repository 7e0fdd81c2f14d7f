from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _token_changed(sender, **kwargs) -> None:
    from .auth import token_changed

    token_changed()


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Department API")

    def ready(self) -> None:
        # Processes cache token → department (api/auth.py): a revoked, edited or deleted
        # token, or an edited department (deactivated, renamed), drops every process's copy.
        for model in ("api.ApiToken", "governance.Department"):
            post_save.connect(_token_changed, sender=model, dispatch_uid=f"token-cache-{model}")
            post_delete.connect(_token_changed, sender=model, dispatch_uid=f"token-del-{model}")
