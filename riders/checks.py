"""Start-up checks for the SMS configuration.

A gateway sends only templates its operator approved, so a kind without a template code would
fail the first time it is needed — for a bed offer, hours after the deploy, in a worker's log.
Checked here instead, when the site starts (runserver, migrate, the worker's `check`).
"""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .sms_templates import KINDS


@register()
def sms_configuration(app_configs=None, **kwargs) -> list[Error]:
    try:
        sender_class = import_string(settings.SMS_SENDER)
    except ImportError as error:
        return [
            Error(
                f"SMS_SENDER {settings.SMS_SENDER!r} cannot be imported: {error}", id="riders.E001"
            )
        ]
    if not getattr(sender_class, "templated", False):
        return []
    errors = []
    missing = [name for name in KINDS if not settings.SMS_TEMPLATES.get(name)]
    if missing:
        errors.append(
            Error(
                "The SMS gateway sends only approved templates, and these kinds have no "
                "template code: " + ", ".join(missing) + ".",
                hint="Set "
                + ", ".join(f"SMS_TEMPLATE_{name.upper()}" for name in missing)
                + " (docs/sms.md lists the texts to submit for approval).",
                id="riders.E002",
            )
        )
    try:
        sender_class()
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), id="riders.E003"))
    return errors


@register(deploy=True)
def phone_keys(app_configs=None, **kwargs) -> list[Warning]:
    """Production keeps its own phone keys (docs/privacy.md, "Phone numbers"): the defaults
    hang on SECRET_KEY, whose rotation would then lose every phone look-up."""
    if settings.PHONE_KEYS_SET:
        return []
    return [
        Warning(
            "PHONE_ENCRYPTION_KEYS and PHONE_LOOKUP_KEYS are not set: riders' phone numbers are "
            "encrypted and looked up with keys derived from SECRET_KEY.",
            hint="Set both (newest key first) before the first riders are imported.",
            id="riders.W001",
        )
    ]
