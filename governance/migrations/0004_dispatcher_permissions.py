from django.contrib.auth.management import create_permissions
from django.db import migrations

DISPATCHER = {
    "report": ("view", "change"),
    "reportevent": ("view",),
    "reportphoto": ("view",),
    "alert": ("view",),
    "routingrule": ("view", "add", "change", "delete"),
    "category": ("view",),
    "department": ("view",),
    "role": ("view",),
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:  # the migration's app registry: let create_permissions see the models
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    dispatcher, _ = Group.objects.get_or_create(name="Dispatcher")
    centre_admin, _ = Group.objects.get_or_create(name="Centre admin")
    for model, actions in DISPATCHER.items():
        for action in actions:
            dispatcher.permissions.add(
                Permission.objects.get(content_type__app_label="governance", codename=f"{action}_{model}")
            )
    centre_admin.permissions.add(*Permission.objects.filter(content_type__app_label="governance"))


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_report_location_approximate"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
