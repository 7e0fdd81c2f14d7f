"""The retention table in code (issue 20, docs/privacy.md "Retention"), and the service the
daily task calls to apply it.

Each `Rule` says what it covers (a translated label), which model (by app label string:
privacy sits below governance, subsidies and the third-party apps and must not import them;
`apps.get_model` loads them), which rows (older than the period by an age field, narrowed by
an optional filter), the period (days, from a RETENTION_*_DAYS setting with a default) and
the action:

- `DELETE` the rows;
- `CLEAR` some fields of them (an IP address to NULL or ""), keeping the row;
- `SWEEP`: call the sweep an app registered under this name in core/retention.py, for what a
  generic action cannot express (report photo originals after the report is closed);
- `ELSEWHERE`: listed for the table's sake, applied by another part of the code (named in
  `why`) or kept for the period the law sets: nothing is done here.

Applying a rule works by id chunks of RETENTION_BATCH_SIZE, each in its own short transaction,
so memory stays bounded and no lock is held for long. Each rule selects only what is still
there to remove (rows past the period; for CLEAR, rows whose fields are not cleared yet), so a
second run the same day removes nothing more. A rule that raises is recorded with its error
and the others still run; centre admins are told.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import retention as sweeps
from core.logging import mask_personal_data
from core.models import Notification, User
from core.roles import CENTRE_ADMIN, NATIONAL_ADMIN
from core.services import notification_build

from . import messages
from .models import RetentionRun

logger = logging.getLogger("privacy.retention")

DELETE = "delete"
CLEAR = "clear"
SWEEP = "sweep"
ELSEWHERE = "elsewhere"

ACTION_LABELS = {
    DELETE: _("delete the rows"),
    CLEAR: _("clear the fields"),
    SWEEP: _("the app's own sweep"),
    ELSEWHERE: _("applied elsewhere / kept"),
}

# Outcomes of a rule in RetentionRun.results.
OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Rule:
    name: str  # "riders.sign_in_codes": stable, the key in RetentionRun.results
    label: str | Promise  # what it covers, translated
    action: str
    setting: str  # the RETENTION_*_DAYS setting that sets the period ("": fixed)
    default_days: int
    model: str = ""  # "riders.SignInCode"
    # The field whose age counts; several: the first the model has (a model another engineer
    # is adding names it as they chose).
    age_field: str | tuple[str, ...] = "created_at"
    filter: Q | None = None  # only these rows
    exclude: Q | None = None  # never these rows
    fields: tuple[str, ...] = ()  # CLEAR: the fields emptied (NULL where nullable, else "")
    sweep: str = ""  # SWEEP: the name in core/retention.py; defaults to `name`
    why: str | Promise = ""  # why this period, or who applies it (ELSEWHERE)

    def days(self) -> int:
        if not self.setting:
            return self.default_days
        return int(getattr(settings, self.setting, self.default_days))


RULES: tuple[Rule, ...] = (
    Rule(
        name="riders.sign_in_codes",
        label=_("Sign-in codes (phone number's keyed hash, masked number, code hash)"),
        action=DELETE,
        model="riders.SignInCode",
        setting="RETENTION_SIGN_IN_CODES_DAYS",
        default_days=1,
        why=_(
            "The daily cap per phone counts the day's codes; riders' own purge runs every "
            "15 minutes, this is its backstop."
        ),
    ),
    Rule(
        name="riders.limit_counters",
        label=_("Sign-in and SMS limit counters (client IP addresses, networks, rider ids)"),
        action=DELETE,
        model="riders.LimitCounter",
        age_field="window_start",
        setting="RETENTION_LIMIT_COUNTERS_DAYS",
        default_days=2,
        why=_("No limit window is longer than a day."),
    ),
    Rule(
        name="riders.sign_in_record_ips",
        label=_("IP addresses of riders' sign-ins"),
        action=CLEAR,
        model="riders.SignInRecord",
        age_field=("created_at", "at", "signed_in_at"),
        fields=("ip",),
        setting="RETENTION_SIGN_IN_IPS_DAYS",
        default_days=30,
        why=_(
            "Long enough to look into a stolen account the rider reports; the sign-in "
            "itself stays in the rider's history."
        ),
    ),
    Rule(
        name="riders.sms_log",
        label=_("SMS log (masked phone number, kind, gateway outcome)"),
        action=DELETE,
        model="riders.SMSLog",
        exclude=Q(status="queued"),
        setting="RETENTION_SMS_LOG_DAYS",
        default_days=180,
        why=_(
            "Covers the gateways' monthly bills and a rider's question about a message; "
            "queued rows are the outbox and never removed."
        ),
    ),
    Rule(
        name="core.notifications_read",
        label=_("Inbox messages already read"),
        action=DELETE,
        model="core.Notification",
        filter=Q(read_at__isnull=False),
        setting="RETENTION_NOTIFICATIONS_READ_DAYS",
        default_days=180,
    ),
    Rule(
        name="core.notifications",
        label=_("Inbox messages, read or not"),
        action=DELETE,
        model="core.Notification",
        setting="RETENTION_NOTIFICATIONS_DAYS",
        default_days=730,
    ),
    Rule(
        name="sessions.expired",
        label=_("Expired sessions"),
        action=DELETE,
        model="sessions.Session",
        age_field="expire_date",
        setting="RETENTION_SESSIONS_EXPIRED_DAYS",
        default_days=0,
        why=_("A session past its expiry signs nobody in; Django's clearsessions does the same."),
    ),
    Rule(
        name="axes.access_attempts",
        label=_("Staff sign-in failures counted for the lockout (IP address, user agent)"),
        action=DELETE,
        model="axes.AccessAttempt",
        age_field="attempt_time",
        setting="RETENTION_STAFF_SIGN_IN_ATTEMPTS_DAYS",
        default_days=30,
        why=_("Far longer than the lockout's cool-off (minutes)."),
    ),
    Rule(
        name="axes.access_log",
        label=_("Staff sign-in log (IP address, user agent)"),
        action=DELETE,
        model="axes.AccessLog",
        age_field="attempt_time",
        setting="RETENTION_ACCESS_LOG_DAYS",
        default_days=180,
        why=_("MLPS 2.0 (等保 2.0) keeps security audit records for at least six months."),
    ),
    Rule(
        name="axes.access_failure_log",
        label=_("Staff sign-in failure log (IP address, user agent)"),
        action=DELETE,
        model="axes.AccessFailureLog",
        age_field="attempt_time",
        setting="RETENTION_ACCESS_LOG_DAYS",
        default_days=180,
        why=_("MLPS 2.0 (等保 2.0) keeps security audit records for at least six months."),
    ),
    Rule(
        name="auditlog.remote_addr",
        label=_("IP addresses in the audit trail"),
        action=CLEAR,
        model="auditlog.LogEntry",
        age_field="timestamp",
        fields=("remote_addr", "remote_port"),
        setting="RETENTION_AUDIT_IP_DAYS",
        default_days=180,
        why=_(
            "MLPS 2.0 (等保 2.0): six months with the address; after that who changed what "
            "is still known, from where no longer."
        ),
    ),
    Rule(
        name="auditlog.entries",
        label=_("The audit trail (who changed or viewed what)"),
        action=DELETE,
        model="auditlog.LogEntry",
        age_field="timestamp",
        setting="RETENTION_AUDIT_LOG_DAYS",
        default_days=1095,
        why=_(
            "Three years: beyond MLPS 2.0's six months, covering a subsidy or payout "
            "dispute and an audit of the centre; payouts and subsidy decisions themselves, with "
            "who approved and paid them, are kept as accounting records."
        ),
    ),
    Rule(
        name="api.idempotency_records",
        label=_("Department API replay records (responses to writes)"),
        action=DELETE,
        model="api.IdempotencyRecord",
        setting="RETENTION_IDEMPOTENCY_RECORDS_DAYS",
        default_days=2,
        why=_("api purges them every hour after IDEMPOTENCY_KEY_TTL_HOURS; this is the backstop."),
    ),
    Rule(
        name="governance.photo_originals",
        label=_("Report photo originals (bystanders not blurred)"),
        action=SWEEP,
        setting="RETENTION_REPORT_PHOTO_ORIGINALS_DAYS",
        default_days=180,
        why=_(
            "Days after the report is closed; then only the blurred copy and the thumbnail "
            "stay. Applied by governance's sweep."
        ),
    ),
    Rule(
        name="subsidies.proofs",
        label=_("Proofs of social-insurance payment on subsidy claims"),
        action=ELSEWHERE,
        setting="",
        default_days=30 * 365,
        why=_(
            "Kept 30 years: they are the original vouchers of subsidy payments, and "
            "accounting vouchers are kept 30 years (会计档案管理办法, 2015, art. 14). Kept on "
            "account closure too, with the rider pseudonymised."
        ),
    ),
    Rule(
        name="mydata.exports",
        label=_("A rider's data downloads (ZIP files)"),
        action=ELSEWHERE,
        setting="",
        default_days=1,
        why=_("Offered for 24 hours, then deleted by mydata's own sweep."),
    ),
)


@dataclass
class Outcome:
    rows: int = 0
    status: str = OK
    note: str = ""

    def as_dict(self, rule: Rule) -> dict[str, Any]:
        return {"rule": rule.name, "rows": self.rows, "status": self.status, "note": self.note}


def _model(rule: Rule) -> type[models.Model] | None:
    try:
        return apps.get_model(rule.model)
    except LookupError:
        return None


def _age_field(model: type[models.Model], rule: Rule) -> str | None:
    candidates = (rule.age_field,) if isinstance(rule.age_field, str) else rule.age_field
    for name in candidates:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return name
    return None


def _cleared(field: Any) -> Any:
    return None if field.null else ""


def _due(rule: Rule, model: type[models.Model], age_field: str, now: dt.datetime) -> QuerySet[Any]:
    """The rows `rule` still has to act on at `now`."""
    cutoff = now - dt.timedelta(days=rule.days())
    rows = model._default_manager.filter(**{f"{age_field}__lt": cutoff})
    if rule.filter is not None:
        rows = rows.filter(rule.filter)
    if rule.exclude is not None:
        rows = rows.exclude(rule.exclude)
    return rows.order_by()


def _batches(rows: QuerySet[Any], size: int) -> Iterator[list[Any]]:
    """Chunks of ids of `rows`, re-read after each chunk is acted on (so a chunk removed or
    cleared is not seen again and the loop ends)."""
    while True:
        ids = list(rows.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids


def _apply(rule: Rule, *, now: dt.datetime, batch_size: int) -> Outcome:
    if rule.action == ELSEWHERE:
        return Outcome(status=ELSEWHERE, note=str(rule.why))
    if rule.action == SWEEP:
        sweep = sweeps.sweep_for(rule.sweep or rule.name)
        if sweep is None:
            return Outcome(status=SKIPPED, note="sweep not registered")
        with transaction.atomic():
            return Outcome(rows=int(sweep(now)))
    model = _model(rule)
    if model is None:
        return Outcome(status=SKIPPED, note=f"model {rule.model} not installed")
    age_field = _age_field(model, rule)
    if age_field is None:
        return Outcome(status=SKIPPED, note=f"{rule.model} has no field {rule.age_field}")
    rows = _due(rule, model, age_field, now)
    done = 0
    if rule.action == DELETE:
        for ids in _batches(rows, batch_size):
            with transaction.atomic():
                _total, per_model = model._default_manager.filter(pk__in=ids).delete()
            removed = per_model.get(model._meta.label, 0)
            if not removed:  # another process took them: stop rather than spin; next night
                break
            done += removed
        return Outcome(rows=done)
    if rule.action == CLEAR:
        fields = {name: _cleared(model._meta.get_field(name)) for name in rule.fields}
        # Only rows with something left to clear: the loop ends, and a second run is a no-op.
        not_cleared = Q()
        for name, value in fields.items():
            not_cleared |= Q(**{f"{name}__isnull": False}) if value is None else ~Q(**{name: ""})
        rows = rows.filter(not_cleared)
        for ids in _batches(rows, batch_size):
            with transaction.atomic():
                cleared = model._default_manager.filter(pk__in=ids).update(**fields)
            if not cleared:
                break
            done += cleared
        return Outcome(rows=done)
    raise ValueError(f"unknown retention action {rule.action!r}")


def retention_apply(
    *,
    now: dt.datetime | None = None,
    requested_by: User | None = None,
    batch_size: int | None = None,
    table: tuple[Rule, ...] | None = None,
) -> RetentionRun:
    """Apply every rule of the table and record what each did in a RetentionRun.

    Not to be called inside a transaction: each batch commits on its own (the caller's
    transaction would hold every lock until the end)."""
    now = now or timezone.now()
    size = batch_size or settings.RETENTION_BATCH_SIZE
    run = RetentionRun.objects.create(started_at=now, requested_by=requested_by)
    results = []
    for rule in table if table is not None else RULES:
        try:
            outcome = _apply(rule, now=now, batch_size=size)
        except Exception as error:
            logger.exception("Retention rule %s failed", rule.name)
            # Errors may quote a row's values: masked like the logs, and short.
            note = mask_personal_data(f"{type(error).__name__}: {error}")[:500]
            outcome = Outcome(status=FAILED, note=note)
        results.append(outcome.as_dict(rule))
        logger.info("Retention rule %s: %s, %d rows", rule.name, outcome.status, outcome.rows)
    run.results = results
    run.rows = sum(entry["rows"] for entry in results)
    run.failures = sum(1 for entry in results if entry["status"] == FAILED)
    run.finished_at = max(timezone.now(), now)
    run.save(update_fields=["results", "rows", "failures", "finished_at"])
    if run.failures:
        _alert_centre_admins(run=run)
    return run


def centre_admins() -> QuerySet[User]:
    """Who hears of a failed rule: the table is the deployment's, so every city's centre
    admins, the national admins and superusers."""
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name__in=(CENTRE_ADMIN, NATIONAL_ADMIN)),
        is_active=True,
        is_staff=True,
    ).distinct()


def _alert_centre_admins(*, run: RetentionRun) -> None:
    failed = [entry["rule"] for entry in run.results if entry["status"] == FAILED]
    logger.error("Retention run %s: %d rules failed: %s", run.pk, len(failed), ", ".join(failed))
    try:
        link = reverse("admin:privacy_retentionrun_change", args=[run.pk])
    except NoReverseMatch:  # the admin is not wired (yet): the message still says what failed
        link = ""
    params = {"rules": ", ".join(failed), "count": len(failed), "run": run.pk}
    Notification.objects.bulk_create(
        [
            notification_build(
                recipient=user, message=messages.RETENTION_FAILED, params=params, link=link
            )
            for user in centre_admins()
        ]
    )


def rule_for(name: str) -> Rule | None:
    return next((rule for rule in RULES if rule.name == name), None)
