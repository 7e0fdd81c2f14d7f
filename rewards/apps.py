from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class RewardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rewards"
    verbose_name = _("Rewards, benefits and honours")

    # What each staff role may do with this app's models; core/roles.py grants it after every
    # migrate.
    role_permissions = {
        roles.CENTRE_ADMIN: roles.ALL,
        roles.SUBSIDY_REVIEWER: ("view_award", "view_pointsaccount", "view_ledgerentry"),
        roles.CANTEEN_OPERATOR: ("view_redemption", "use_redemption"),
        roles.DISPATCHER: ("view_award",),
    }

    def ready(self) -> None:
        from core.events import subscribe
        from governance.events import ReportValidated
        from payouts.sources import register
        from volunteering.events import VolunteerMilestoneReached

        from .payouts import RewardCash
        from .subscribers import award_validated_report, propose_volunteer_honour

        register(RewardCash())

        subscribe(ReportValidated, award_validated_report)
        subscribe(VolunteerMilestoneReached, propose_volunteer_honour)

        from .personal_data import register_holdings

        register_holdings()  # what rewards holds of a rider (core/personal_data.py, issue 20)
