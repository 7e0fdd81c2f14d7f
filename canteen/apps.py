from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class CanteenConfig(AppConfig):
    name = "canteen"
    verbose_name = _("Rider canteens")

    # What each staff role may do with this app's models; core/roles.py grants it after every
    # migrate.
    role_permissions = {
        roles.CENTRE_ADMIN: roles.ALL,
        roles.CANTEEN_OPERATOR: (
            "view_canteen",
            "change_canteen",
            "view_setmeal",
            "add_setmeal",
            "change_setmeal",
            "view_mealorder",
            "change_mealorder",
        ),
    }

    def ready(self) -> None:
        # What ties a rider to their city (riders/services.py rider_move_city).
        from riders.obligations import register as obligation

        from .selectors import city_obligation

        obligation("canteen", city_obligation)

        from .personal_data import register_holdings

        register_holdings()  # what canteen holds of a rider (core/personal_data.py, issue 20)
