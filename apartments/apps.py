from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class ApartmentsConfig(AppConfig):
    name = "apartments"
    verbose_name = _("Rider apartments")

    # What each staff role may do with this app's models; core/roles.py grants it after every
    # migrate.
    role_permissions = {
        roles.CENTRE_ADMIN: roles.ALL,
        roles.APARTMENT_MANAGER: (
            "view_apartment",
            "change_apartment",
            "view_roomtype",
            "add_roomtype",
            "change_roomtype",
            "delete_roomtype",
            "view_room",
            "add_room",
            "change_room",
            "delete_room",
            "view_bed",
            "add_bed",
            "change_bed",
            "view_application",
            "change_application",
            "view_tenancy",
            "change_tenancy",
            "view_inspection",
            "add_inspection",
            "change_inspection",
            "view_inspectionresult",
            "change_inspectionresult",
            "view_checklistitem",
            "view_facility",
        ),
    }

    def ready(self) -> None:
        # What ties a rider to their city (riders/services.py rider_move_city).
        from riders.obligations import register as obligation

        from .selectors import city_obligation

        obligation("apartments", city_obligation)

        from .personal_data import register_holdings

        register_holdings()  # what apartments holds of a rider (core/personal_data.py, issue 20)
