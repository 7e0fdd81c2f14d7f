from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class PayoutsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payouts"
    verbose_name = _("Payouts")

    # Reviewers put batches together, approve each other's and mark them paid; core/roles.py
    # grants this after every migrate.
    role_permissions = {
        roles.CENTRE_ADMIN: roles.ALL,
        roles.SUBSIDY_REVIEWER: (
            "view_payoutbatch",
            "add_payoutbatch",
            "change_payoutbatch",
            "approve_payoutbatch",
            "pay_payoutbatch",
        ),
    }
