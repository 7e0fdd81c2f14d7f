from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete a ledger line.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION rewards_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rewards_ledgerentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rewards_ledger_append_only
    BEFORE UPDATE OR DELETE ON rewards_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION rewards_ledger_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS rewards_ledger_append_only ON rewards_ledgerentry;
DROP FUNCTION IF EXISTS rewards_ledger_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY)


# Role permissions used to be granted here; every app now declares them on its AppConfig and
# core/roles.py grants them after every migrate, on new and existing databases alike.


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [
        migrations.RunPython(append_only, drop_append_only),
    ]
