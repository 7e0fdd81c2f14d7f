from django.contrib.auth.management import create_permissions
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

SUBSIDY_REVIEWER = {
    "award": ("view",),
    "payoutbatch": ("view", "add", "change"),
    "pointsaccount": ("view",),
    "ledgerentry": ("view",),
}
CANTEEN_OPERATOR = {"redemption": ("view", "use")}
DISPATCHER = {"award": ("view",)}


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY)


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, table in (
        ("Subsidy reviewer", SUBSIDY_REVIEWER),
        ("Canteen operator", CANTEEN_OPERATOR),
        ("Dispatcher", DISPATCHER),
    ):
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in table.items():
            for action in actions:
                codename = f"{action}_{model}"
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="rewards", codename=codename)
                )
    centre_admin, _ = Group.objects.get_or_create(name="Centre admin")
    centre_admin.permissions.add(*Permission.objects.filter(content_type__app_label="rewards"))


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [
        migrations.RunPython(append_only, drop_append_only),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
