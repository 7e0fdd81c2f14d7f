from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rewards"
    verbose_name = _("Rewards, benefits and honours")

    def ready(self) -> None:
        from core.events import subscribe
        from governance.events import ReportValidated

        from .subscribers import award_validated_report

        subscribe(ReportValidated, award_validated_report)
