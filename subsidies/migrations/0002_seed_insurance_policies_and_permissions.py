import datetime as dt
from decimal import Decimal

from django.db import migrations

# code, Chinese, English
TYPES = [
    ("pension", "养老保险", "Pension insurance"),
    ("medical", "医疗保险", "Medical insurance"),
    ("work-injury", "工伤保险", "Work-injury insurance"),
]


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


# Role permissions used to be granted here; every app now declares them on its AppConfig and
# core/roles.py grants them after every migrate, on new and existing databases alike.


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
