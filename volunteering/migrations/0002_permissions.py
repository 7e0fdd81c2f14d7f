from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    centre_admin, _ = Group.objects.get_or_create(name="Centre admin")
    centre_admin.permissions.add(*Permission.objects.filter(content_type__app_label="volunteering"))


class Migration(migrations.Migration):
    dependencies = [
        ("volunteering", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
