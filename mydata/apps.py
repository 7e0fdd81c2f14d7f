from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class MyDataConfig(AppConfig):
    """A rider's rights over their data: their own copy (export), corrections, account closure
    (issue 20, docs/privacy.md). What each app holds of a rider is registered in
    core/personal_data.py by that app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "mydata"
    verbose_name = _("My data")

    # The centre handles correction requests and closes accounts on a rider's request.
    role_permissions = {roles.CENTRE_ADMIN: roles.ALL}
