"""Centre admins read the audit log (auditlog.view_logentry); nobody may change it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are created after all migrations; create auditlog's now to grant one.
    auditlog = apps.get_app_config("auditlog")
    stub = getattr(auditlog, "models_module", None) is None
    if stub:
        auditlog.models_module = True
    create_permissions(auditlog, apps=apps, verbosity=0)
    if stub:
        auditlog.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    centre_admin, _ = Group.objects.get_or_create(name="Centre admin")
    centre_admin.permissions.add(
        Permission.objects.get(content_type__app_label="auditlog", codename="view_logentry")
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Centre admin"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="auditlog", codename="view_logentry")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_seed_qingdao_and_staff_groups"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
