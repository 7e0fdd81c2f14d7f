from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("City-problem reports")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Department, RoutingRule
        from .services import routing_rules_forget

        for model in (RoutingRule, Department):
            post_save.connect(routing_rules_forget, sender=model, dispatch_uid=f"rules-{model}")
            post_delete.connect(routing_rules_forget, sender=model, dispatch_uid=f"rules-d-{model}")
