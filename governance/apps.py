from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("City-problem reports")

    # What each staff role may do with this app's models; core/roles.py grants it after every
    # migrate.
    role_permissions = {
        roles.CENTRE_ADMIN: roles.ALL,
        roles.DISPATCHER: (
            "view_report",
            "change_report",
            "view_reportevent",
            "view_reportphoto",
            "view_routingrule",
            "add_routingrule",
            "change_routingrule",
            "delete_routingrule",
            "view_category",
            "view_citycategory",
            "view_department",
            "view_role",
            # The riders' checks of fixes, which supervision (督办) is decided on.
            "view_fixanswer",
            # The replies departments send often; removing one is the centre's decision.
            "view_responsetemplate",
            "add_responsetemplate",
            "change_responsetemplate",
            # Working the report (issue 14): the questions departments asked, the transfers
            # they request (decided in the admin), the pairs approved at once, and the
            # assisting departments the dispatcher adds.
            "view_reportquestion",
            "view_transferrequest",
            "change_transferrequest",
            "view_transferrule",
            "add_transferrule",
            "change_transferrule",
            "delete_transferrule",
            "view_reportassist",
            "add_reportassist",
            "delete_reportassist",
            # Bystanders blurred in photos (issue 20): the admin's "redact region" tool, on the
            # riders' photos and on the departments' evidence photos.
            "redact_reportphoto",
            "view_evidencephoto",
            "redact_evidencephoto",
        ),
    }

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .personal_data import register_holdings

        register_holdings()  # what governance holds of a rider (core/personal_data.py)

        # The retention table's sweep of photo originals (privacy/retention.py).
        from core import retention

        from .services import report_photo_originals_expire

        retention.register("governance.photo_originals", report_photo_originals_expire)

        from core.models import City, District

        from .models import CityCategory, Department, RoutingRule
        from .services import routing_rules_forget

        for model in (RoutingRule, Department, District, City, CityCategory):
            post_save.connect(routing_rules_forget, sender=model, dispatch_uid=f"rules-{model}")
            post_delete.connect(routing_rules_forget, sender=model, dispatch_uid=f"rules-d-{model}")
