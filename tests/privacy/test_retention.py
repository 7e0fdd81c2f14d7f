"""The retention table (privacy/retention.py) applied by the nightly task: each rule removes
what is past its period and keeps what is not, on real rows; runs are idempotent, batched, and
a failing rule is reported while the others apply."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import IdempotencyRecord
from api.services import token_issue
from core import retention as sweeps
from core.models import Notification, User
from core.roles import CENTRE_ADMIN, DISPATCHER
from privacy import retention
from privacy.models import RetentionRun
from riders.models import LimitCounter, SignInCode, SMSLog, mask_phone
from riders.phones import phone_digest
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def apply(name: str, **kwargs) -> dict:
    """Apply only the rule called `name`; its entry in the run's results."""
    run = retention.retention_apply(now=NOW, table=(retention.rule_for(name),), **kwargs)
    (entry,) = run.results
    return entry


def code(phone: str, created_at: dt.datetime) -> SignInCode:
    return SignInCode.objects.create(
        phone_hash=phone_digest(phone),
        phone_masked=mask_phone(phone),
        code_hash="x" * 64,
        created_at=created_at,
        expires_at=created_at + dt.timedelta(minutes=5),
        is_current=False,
    )


def sms(status: str, created_at: dt.datetime) -> SMSLog:
    return SMSLog.objects.create(
        kind="sign_in_code",
        phone_masked="138****5678",
        gateway="console",
        status=status,
        created_at=created_at,
        expires_at=created_at + dt.timedelta(minutes=5),
    )


def audit_entry(*, at: dt.datetime, remote_addr: str | None = "203.0.113.7") -> LogEntry:
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk="1",
        object_repr="staff1",
        action=LogEntry.Action.UPDATE,
        changes={},
        remote_addr=remote_addr,
        remote_port=51515 if remote_addr else None,
        timestamp=at,
    )


# --- One test per rule, on real rows ---------------------------------------------------------
def test_sign_in_codes_past_a_day_are_deleted():
    old, fresh = code("13800000001", ago(1.5)), code("13800000002", ago(0.5))
    assert apply("riders.sign_in_codes") == {
        "rule": "riders.sign_in_codes",
        "rows": 1,
        "status": "ok",
        "note": "",
    }
    assert list(SignInCode.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not SignInCode.objects.filter(pk=old.pk).exists()


def test_limit_counters_keyed_by_ip_go_after_two_days():
    old = LimitCounter.objects.create(
        scope="codes_ip_hour", key="203.0.113.9", window_start=ago(3), count=4
    )
    fresh = LimitCounter.objects.create(
        scope="codes_ip_hour", key="203.0.113.9", window_start=ago(1), count=2
    )
    assert apply("riders.limit_counters")["rows"] == 1
    assert set(LimitCounter.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert old.pk not in LimitCounter.objects.values_list("pk", flat=True)


def test_sms_log_goes_after_its_period_but_never_a_queued_row(settings):
    settings.RETENTION_SMS_LOG_DAYS = 180
    old, queued_old, fresh = (
        sms("delivered", ago(181)),
        sms("queued", ago(181)),
        sms("sent", ago(10)),
    )
    assert apply("riders.sms_log")["rows"] == 1
    assert set(SMSLog.objects.values_list("pk", flat=True)) == {queued_old.pk, fresh.pk}
    assert not SMSLog.objects.filter(pk=old.pk).exists()


def test_read_notifications_go_after_their_period_unread_ones_stay():
    user = UserFactory()
    read_old = Notification.objects.create(recipient=user, title="old, read", read_at=ago(200))
    unread_old = Notification.objects.create(recipient=user, title="old, unread")
    read_fresh = Notification.objects.create(recipient=user, title="new, read", read_at=ago(1))
    Notification.objects.filter(pk__in=[read_old.pk, unread_old.pk]).update(created_at=ago(200))
    Notification.objects.filter(pk=read_fresh.pk).update(created_at=ago(10))
    assert apply("core.notifications_read")["rows"] == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {unread_old.pk, read_fresh.pk}


def test_every_notification_goes_after_two_years():
    user = UserFactory()
    ancient, recent = (Notification.objects.create(recipient=user, title=t) for t in "ab")
    Notification.objects.filter(pk=ancient.pk).update(created_at=ago(731))
    Notification.objects.filter(pk=recent.pk).update(created_at=ago(729))
    assert apply("core.notifications")["rows"] == 1
    assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk]


def test_expired_sessions_are_deleted_live_ones_kept():
    Session.objects.create(session_key="expired", session_data="x", expire_date=ago(0.01))
    Session.objects.create(session_key="live", session_data="x", expire_date=ago(-1))
    assert apply("sessions.expired")["rows"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def axes_row(model, days: float):
    extra = {"failures_since_start": 1} if model is AccessAttempt else {}
    row = model.objects.create(
        user_agent="Mozilla/5.0",
        ip_address="198.51.100.4",
        username=f"staff-{days}",
        path_info="/",
        **extra,
    )
    model.objects.filter(pk=row.pk).update(attempt_time=ago(days))
    return row


@pytest.mark.parametrize(
    ("name", "model", "days"),
    [
        ("axes.access_attempts", AccessAttempt, 30),
        ("axes.access_log", AccessLog, 180),
        ("axes.access_failure_log", AccessFailureLog, 180),
    ],
)
def test_staff_sign_in_records_go_after_their_period(name, model, days):
    old, fresh = axes_row(model, days + 1), axes_row(model, days - 1)
    assert apply(name)["rows"] == 1
    assert list(model.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not model.objects.filter(pk=old.pk).exists()


def test_audit_trail_keeps_the_entry_but_loses_the_address_after_six_months():
    old, fresh = audit_entry(at=ago(181)), audit_entry(at=ago(179))
    assert apply("auditlog.remote_addr")["rows"] == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.remote_addr, old.remote_port) == (None, None)
    assert (fresh.remote_addr, fresh.remote_port) == ("203.0.113.7", 51515)
    assert old.object_repr == "staff1"  # who changed what: still there


def test_audit_entries_go_after_three_years():
    old, fresh = audit_entry(at=ago(1096)), audit_entry(at=ago(1094))
    assert apply("auditlog.entries")["rows"] == 1
    assert list(
        LogEntry.objects.filter(pk__in=[old.pk, fresh.pk]).values_list("pk", flat=True)
    ) == [fresh.pk]


def test_api_idempotency_records_go_after_two_days():
    token, _key = token_issue(label="12345 hotline", integration=True)
    old, fresh = (
        IdempotencyRecord.objects.create(
            token=token, key=key, method="POST", path="/api/v1/reports/", status_code=201, body={}
        )
        for key in ("old", "fresh")
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=ago(3))
    assert apply("api.idempotency_records")["rows"] == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_sign_in_record_ips_rule_skips_until_the_model_exists_and_never_fails():
    from django.apps import apps

    entry = apply("riders.sign_in_record_ips")
    try:
        apps.get_model("riders", "SignInRecord")
    except LookupError:
        assert entry == {
            "rule": "riders.sign_in_record_ips",
            "rows": 0,
            "status": "skipped",
            "note": "model riders.SignInRecord not installed",
        }
    else:  # once riders has it (another part of issue 20), the rule applies to it
        assert entry["status"] == "ok", entry


def test_photo_originals_sweep_is_reported_not_registered_until_governance_provides_it():
    sweeps.unregister("governance.photo_originals")
    assert apply("governance.photo_originals") == {
        "rule": "governance.photo_originals",
        "rows": 0,
        "status": "skipped",
        "note": "sweep not registered",
    }


def test_a_registered_sweep_is_called_with_the_runs_time():
    calls = []
    sweeps.register("governance.photo_originals", lambda now: calls.append(now) or 3)
    try:
        entry = apply("governance.photo_originals")
    finally:
        sweeps.unregister("governance.photo_originals")
    assert calls == [NOW]
    assert (entry["status"], entry["rows"]) == ("ok", 3)


@pytest.mark.parametrize("name", ["subsidies.proofs", "mydata.exports"])
def test_rules_applied_elsewhere_are_listed_and_do_nothing(name):
    entry = apply(name)
    assert (entry["status"], entry["rows"]) == ("elsewhere", 0)
    assert entry["note"]  # who applies it, or why it is kept


def test_every_rule_has_a_label_a_period_and_a_known_action():
    names = [rule.name for rule in retention.RULES]
    assert len(names) == len(set(names))
    for rule in retention.RULES:
        assert str(rule.label) and rule.days() >= 0
        assert rule.action in retention.ACTION_LABELS
        if rule.setting:
            assert hasattr(settings, rule.setting), rule.setting


def test_a_period_comes_from_its_setting(settings):
    settings.RETENTION_SIGN_IN_CODES_DAYS = 3
    code("13800000001", ago(2))
    assert apply("riders.sign_in_codes")["rows"] == 0
    settings.RETENTION_SIGN_IN_CODES_DAYS = 1
    assert apply("riders.sign_in_codes")["rows"] == 1


# --- The whole table --------------------------------------------------------------------------
def test_a_second_run_removes_nothing_more():
    code("13800000001", ago(2))
    sms("delivered", ago(400))
    audit_entry(at=ago(200))
    Session.objects.create(session_key="expired", session_data="x", expire_date=ago(1))
    first = retention.retention_apply(now=NOW)
    assert first.rows == 4
    assert first.failures == 0 and first.finished_at is not None
    second = retention.retention_apply(now=NOW)
    assert second.rows == 0
    assert [entry["rows"] for entry in second.results] == [0] * len(retention.RULES)
    assert [entry["rule"] for entry in second.results] == [rule.name for rule in retention.RULES]


def test_rows_are_removed_and_cleared_in_batches():
    for number in range(5):
        code(f"1380000000{number}", ago(2))
    for _ in range(5):
        audit_entry(at=ago(200))
    with CaptureQueriesContext(connection) as queries:
        run = retention.retention_apply(
            now=NOW,
            batch_size=2,
            table=(
                retention.rule_for("riders.sign_in_codes"),
                retention.rule_for("auditlog.remote_addr"),
            ),
        )
    assert [entry["rows"] for entry in run.results] == [5, 5]
    sql = [query["sql"] for query in queries.captured_queries]
    # 3 chunks of at most 2 ids each, for each rule.
    assert sum(s.startswith('DELETE FROM "riders_signincode"') for s in sql) == 3
    assert sum(s.startswith('UPDATE "auditlog_logentry"') for s in sql) == 3
    assert not SignInCode.objects.exists()
    assert not LogEntry.objects.filter(remote_addr__isnull=False).exists()


def test_a_failing_rule_is_reported_the_others_apply_and_centre_admins_are_told():
    admin, dispatcher = StaffFactory(), StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))

    def broken(now):
        raise RuntimeError("disk full writing 13812345678's photo")

    sweeps.register("test.broken", broken)
    code("13800000001", ago(2))
    try:
        run = retention.retention_apply(
            now=NOW,
            table=(
                retention.Rule(
                    name="test.broken",
                    label="broken",
                    action=retention.SWEEP,
                    setting="",
                    default_days=1,
                ),
                retention.rule_for("riders.sign_in_codes"),
            ),
        )
    finally:
        sweeps.unregister("test.broken")
    broken_entry, codes_entry = run.results
    assert broken_entry["status"] == "failed"
    # The error is kept, masked like the logs.
    assert broken_entry["note"] == "RuntimeError: disk full writing 138****5678's photo"
    assert (codes_entry["status"], codes_entry["rows"]) == ("ok", 1)
    assert (run.failures, run.rows) == (1, 1)
    alerts = Notification.objects.filter(kind="privacy.retention_failed")
    assert list(alerts.values_list("recipient", flat=True)) == [admin.pk]
    (alert,) = alerts
    assert "test.broken" in alert.text
    assert alert.link == f"/admin/privacy/retentionrun/{run.pk}/change/"


def test_a_run_without_failures_alerts_nobody():
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    retention.retention_apply(now=NOW)
    assert not Notification.objects.filter(kind="privacy.retention_failed").exists()


def test_the_nightly_beat_entry_runs_the_task_at_night():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "privacy.tasks.retention_apply"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {30}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_the_task_applies_the_table_and_returns_the_run():
    from privacy.tasks import retention_apply

    code("13800000001", ago(2))
    run_id = retention_apply.delay().get()
    run = RetentionRun.objects.get(pk=run_id)
    assert run.requested_by is None
    assert not SignInCode.objects.exists()


def test_a_rule_for_a_model_or_field_not_there_is_skipped_not_failed():
    run = retention.retention_apply(
        now=NOW,
        table=(
            retention.Rule(
                name="test.no_model",
                label="x",
                action=retention.DELETE,
                model="riders.NoSuchModel",
                setting="",
                default_days=1,
            ),
            retention.Rule(
                name="test.no_field",
                label="x",
                action=retention.DELETE,
                model="riders.SMSLog",
                age_field=("no_such_field",),
                setting="",
                default_days=1,
            ),
        ),
    )
    assert [(e["status"], e["note"]) for e in run.results] == [
        ("skipped", "model riders.NoSuchModel not installed"),
        ("skipped", "riders.SMSLog has no field ('no_such_field',)"),
    ]
    assert run.failures == 0
