from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rewards"
    verbose_name = _("Rewards, benefits and honours")

    def ready(self) -> None:
        from core.events import subscribe
        from governance.events import ReportValidated
        from volunteering.events import VolunteerMilestoneReached

        from .subscribers import award_validated_report, propose_volunteer_honour

        subscribe(ReportValidated, award_validated_report)
        subscribe(VolunteerMilestoneReached, propose_volunteer_honour)
