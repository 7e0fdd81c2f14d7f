import datetime as dt
from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

# code, Chinese, English
TYPES = [
    ("pension", "养老保险", "Pension insurance"),
    ("medical", "医疗保险", "Medical insurance"),
    ("work-injury", "工伤保险", "Work-injury insurance"),
]
REVIEWER = {
    "claim": ("view", "change"),
    "claimline": ("view",),
    "adjustment": ("view", "add"),
    "subsidybatch": ("view", "add", "change"),
    "subsidypolicy": ("view",),
    "insurancetype": ("view",),
}


def seed(apps, schema_editor):
    InsuranceType = apps.get_model("subsidies", "InsuranceType")
    SubsidyPolicy = apps.get_model("subsidies", "SubsidyPolicy")
    for order, (code, name, name_en) in enumerate(TYPES):
        insurance_type, _ = InsuranceType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        SubsidyPolicy.objects.get_or_create(
            insurance_type=insurance_type,
            starts_on=dt.date(2020, 1, 1),
            defaults={"voluntary_rate": Decimal("0.500"), "honour_rate": Decimal("1.000")},
        )


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
    reviewer, _ = Group.objects.get_or_create(name="Subsidy reviewer")
    for model, actions in REVIEWER.items():
        for action in actions:
            reviewer.permissions.add(
                Permission.objects.get(content_type__app_label="subsidies", codename=f"{action}_{model}")
            )
    centre_admin, _ = Group.objects.get_or_create(name="Centre admin")
    centre_admin.permissions.add(*Permission.objects.filter(content_type__app_label="subsidies"))


def seed_all(apps, schema_editor):
    seed(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [migrations.RunPython(seed_all, migrations.RunPython.noop)]
