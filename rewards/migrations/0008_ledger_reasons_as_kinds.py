"""The admin's "cancel and refund" reason becomes a kind, rendered in the reader's language.

Refunds cancelled from the admin stored "Cancelled by the service centre" in the language of
the admin who clicked (Chinese for nearly all): a rider reading in English saw Chinese. Those
rows get `reason_kind` "rewards.cancelled_by_centre" and an empty `reason`; anything else in
`reason` is a person's words and stays as typed.

The ledger is append-only (0002's trigger refuses any UPDATE): for this one statement, inside
the migration's transaction, the trigger is disabled and enabled again. Only these two text
columns change; points, balances and every other row stay as they were.
"""

from django.db import migrations

KIND = "rewards.cancelled_by_centre"
# The msgid and its translation (locale/zh_Hans/LC_MESSAGES/django.po), frozen here.
TEXTS = ["Cancelled by the service centre", "服务中心已取消"]
TRIGGER = "rewards_ledger_append_only"


def _with_trigger_off(schema_editor, statement: str, params: list) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        if postgres:
            # ALTER TABLE waits for no deferred foreign-key checks of rows written earlier in
            # the same transaction: run them now (they are deferred again after).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE rewards_ledgerentry DISABLE TRIGGER {TRIGGER}")
        cursor.execute(statement, params)
        if postgres:
            cursor.execute(f"ALTER TABLE rewards_ledgerentry ENABLE TRIGGER {TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def forwards(apps, schema_editor):
    LedgerEntry = apps.get_model("rewards", "LedgerEntry")
    if not LedgerEntry.objects.filter(kind="refunded", reason__in=TEXTS).exists():
        return
    _with_trigger_off(
        schema_editor,
        "UPDATE rewards_ledgerentry SET reason_kind = %s, reason = '' "
        "WHERE kind = 'refunded' AND reason_kind = '' AND reason IN (%s, %s)",
        [KIND, *TEXTS],
    )


def backwards(apps, schema_editor):
    LedgerEntry = apps.get_model("rewards", "LedgerEntry")
    if not LedgerEntry.objects.filter(reason_kind=KIND).exists():
        return
    # Back to the text, in the site's language (Chinese), as most rows were written.
    _with_trigger_off(
        schema_editor,
        "UPDATE rewards_ledgerentry SET reason = %s, reason_kind = '' WHERE reason_kind = %s",
        [TEXTS[1], KIND],
    )


class Migration(migrations.Migration):
    dependencies = [("rewards", "0007_ledger_reason_kind")]

    operations = [migrations.RunPython(forwards, backwards)]
