"""The kinds of SMS the portal sends, each with its gateway template and its parameters.

Chinese SMS gateways send only templates their operator approved beforehand (模板): a message
is a template code plus the values of its variables, never free text. So every SMS here is one
of the kinds below, handed to a sender as kind + params; the sender looks up the template code
the operator configured for that kind (settings.SMS_TEMPLATES, from SMS_TEMPLATE_<KIND>) and
passes the params by name (Aliyun's TemplateParam JSON) or in the order listed here (Tencent's
TemplateParamSet). The `text` of a kind is our own rendering of the same message, translated,
for the console and test senders and for a preview; the template registered with the gateway
must say the same thing (docs/sms.md lists the texts to submit for approval).

`secret` params (the codes) are never stored in clear: see riders/sms_outbox.py.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override


@dataclass(frozen=True)
class SMSKind:
    name: str
    label: str | Promise
    params: tuple[str, ...]  # the template's variables, in Tencent's TemplateParamSet order
    text: str | Promise  # the message in our words, with %(param)s placeholders
    secret: frozenset[str] = field(default_factory=frozenset)
    # Sent from the request itself (the rider is waiting for it), not only by the worker.
    inline: bool = False

    def check_params(self, params: Mapping[str, Any]) -> None:
        if set(params) != set(self.params):
            raise ValueError(
                f"SMS kind {self.name} takes params {sorted(self.params)}, got {sorted(params)}"
            )

    def render(self, params: Mapping[str, Any], *, language: str | None = None) -> str:
        with override(language or settings.LANGUAGE_CODE):
            return str(self.text) % dict(params)

    def template_code(self) -> str:
        """The gateway's template code for this kind, or ImproperlyConfigured."""
        code: str = settings.SMS_TEMPLATES.get(self.name, "")
        if not code:
            raise ImproperlyConfigured(
                f"No SMS template code for {self.name}: set SMS_TEMPLATE_{self.name.upper()} to "
                "the code the gateway approved (docs/sms.md)."
            )
        return code


SIGN_IN_CODE = SMSKind(
    "sign_in_code",
    _("Rider sign-in code"),
    ("code", "minutes"),
    # Kept word for word from before the templates: riders know this message.
    _(
        "Riders Portal sign-in code: %(code)s. It expires in %(minutes)d minutes. "
        "Never share it with anyone."
    ),
    secret=frozenset({"code"}),
    inline=True,
)
# A department officer's second factor for the workbench (desk/).
OFFICER_SIGN_IN_CODE = SMSKind(
    "officer_sign_in_code",
    _("Officer sign-in code"),
    ("code", "minutes"),
    _(
        "Riders Portal workbench code: %(code)s. It expires in %(minutes)d minutes. "
        "Never share it with anyone."
    ),
    secret=frozenset({"code"}),
    inline=True,
)
BED_OFFER = SMSKind(
    "bed_offer",
    _("Bed offer"),
    ("apartment", "deadline"),
    _(
        "Riders Portal: a bed in %(apartment)s is offered to you. Accept or decline in the "
        "portal by %(deadline)s, or it goes to the next rider."
    ),
)
OFFER_EXPIRING = SMSKind(
    "offer_expiring",
    _("Bed offer expiring"),
    ("apartment", "deadline"),
    _(
        "Riders Portal: your bed offer in %(apartment)s expires at %(deadline)s. "
        "Answer in the portal before then."
    ),
)
REPORT_QUESTION = SMSKind(
    "report_question",
    _("A department's question on a report"),
    ("report", "deadline"),
    _(
        "Riders Portal: the department working on your report %(report)s has a question. "
        "Please answer in the portal by %(deadline)s."
    ),
)
REPORT_REOPENED = SMSKind(
    "report_reopened",
    _("Outcome of a reopened report"),
    ("report",),
    _("Riders Portal: there is news on your reopened report %(report)s. See it in the portal."),
)
SUBSIDY_DECISION = SMSKind(
    "subsidy_decision",
    _("Subsidy decision"),
    ("period",),
    # The outcome itself stays in the portal: an SMS can be read over a shoulder.
    _(
        "Riders Portal: your subsidy claim for %(period)s has been decided. "
        "See the outcome in the portal."
    ),
)
# A new policy the centre announces to riders by SMS too (riders/notify.py policy_announce):
# only its short name goes out; what changes is read in the portal.
POLICY_NOTICE = SMSKind(
    "policy_notice",
    _("New policy"),
    ("policy",),
    _(
        "Riders Portal: a new policy for riders, %(policy)s. "
        "See what changes for you in the portal."
    ),
)

KINDS: dict[str, SMSKind] = {
    kind.name: kind
    for kind in (
        SIGN_IN_CODE,
        OFFICER_SIGN_IN_CODE,
        BED_OFFER,
        OFFER_EXPIRING,
        REPORT_QUESTION,
        REPORT_REOPENED,
        SUBSIDY_DECISION,
        POLICY_NOTICE,
    )
}
KIND_CHOICES = [(kind.name, kind.label) for kind in KINDS.values()]


def sms_kind(name: str) -> SMSKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown SMS kind: {name}") from None
