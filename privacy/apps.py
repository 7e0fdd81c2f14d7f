from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import roles


class PrivacyConfig(AppConfig):
    """The privacy notice and a rider's consents; the retention table and its daily task
    (issue 20, docs/privacy.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Personal information")

    # A city's admins see their riders' acceptances and consents (read-only: the rider's own
    # acts) and the retention runs, which they may run now; the notice is one text for the
    # deployment, so publishing a version is a national admin's (who also gets everything a
    # centre admin has, core/roles.py ROLE_INCLUDES).
    role_permissions: dict = {
        roles.CENTRE_ADMIN: (
            "view_privacynotice",
            "view_noticeacceptance",
            "view_consentchoice",
            "view_consentevent",
            "view_retentionrun",
            "run_retention",
        ),
        roles.NATIONAL_ADMIN: ("add_privacynotice",),
    }

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_migrate, post_save

        from core import personal_data
        from riders.notify import register_sms_gate

        from . import holdings
        from .middleware import remember_on_sign_in
        from .models import PrivacyNotice
        from .selectors import current_version_forget, sms_gate
        from .services import notice_version_1_ensure

        # Notification SMS only to riders who agreed to SMS notices (sign-in codes: always).
        register_sms_gate("privacy.sms_notices", sms_gate)
        user_logged_in.connect(remember_on_sign_in, dispatch_uid="privacy.remember_on_sign_in")
        # The current version is kept per process (selectors.current_version): a change
        # clears this process's copy at once.
        post_save.connect(current_version_forget, sender=PrivacyNotice, dispatch_uid="privacy-s")
        post_delete.connect(current_version_forget, sender=PrivacyNotice, dispatch_uid="privacy-d")
        post_migrate.connect(
            notice_version_1_ensure, sender=self, dispatch_uid="privacy.version_1_ensure"
        )
        personal_data.register(holdings.ACCEPTANCES)
        personal_data.register(holdings.CONSENTS)
