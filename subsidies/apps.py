from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Social-insurance subsidies")

    # What each staff role may do with this app's models; core/roles.py grants it after every
    # migrate.
    role_permissions = {
        roles.CENTRE_ADMIN: roles.ALL,
        roles.SUBSIDY_REVIEWER: (
            "view_claim",
            "change_claim",
            "view_claimline",
            "view_adjustment",
            "add_adjustment",
            "view_subsidypolicy",
            "view_insurancetype",
        ),
    }

    def ready(self) -> None:
        from payouts.sources import register

        from .payouts import SubsidyPayments

        register(SubsidyPayments())

        # What ties a rider to their city (riders/services.py rider_move_city).
        from riders.obligations import register as obligation

        from .selectors import city_obligation

        obligation("subsidies", city_obligation)

        from .personal_data import register_holdings

        register_holdings()  # what subsidies holds of a rider (core/personal_data.py, issue 20)
