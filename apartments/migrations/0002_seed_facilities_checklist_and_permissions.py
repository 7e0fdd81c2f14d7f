from django.contrib.auth.management import create_permissions
from django.db import migrations

# code, Chinese, English
FACILITIES = [
    ("supermarket", "超市", "Supermarket"),
    ("lounge", "休息室", "Lounge"),
    ("repair", "电动车维修点", "E-bike repair point"),
    ("laundry", "洗衣房", "Laundry"),
    ("kitchen", "公共厨房", "Shared kitchen"),
    ("charging", "电动车集中充电", "Safe e-bike charging"),
    ("shower", "热水淋浴", "Hot showers"),
    ("wifi", "无线网络", "Wi-Fi"),
]
# The "one bed" standard checklist.
CHECKLIST = [
    ("mattress", "每张床配发合格床垫", "Every bed has its quality mattress"),
    ("fire-exits", "消防通道畅通，灭火器在有效期内", "Fire exits clear, extinguishers in date"),
    ("charging", "电动车不进楼、集中充电", "No e-bikes charged indoors"),
    ("hygiene", "公共区域清洁，无鼠害", "Common areas clean, no pests"),
    ("water-power", "水电正常，热水供应", "Water, power and hot water work"),
    ("security", "门禁与监控正常", "Door access and cameras work"),
    ("bedding", "床铺整洁，无私拉电线", "Beds tidy, no improvised wiring"),
]

MANAGER = {
    "apartment": ("view", "change"),
    "roomtype": ("view", "add", "change", "delete"),
    "room": ("view", "add", "change", "delete"),
    "bed": ("view", "add", "change"),
    "application": ("view", "change"),
    "tenancy": ("view", "change"),
    "inspection": ("view", "add", "change"),
    "inspectionresult": ("view", "change"),
    "checklistitem": ("view",),
    "facility": ("view",),
}


def seed(apps, schema_editor):
    Facility = apps.get_model("apartments", "Facility")
    ChecklistItem = apps.get_model("apartments", "ChecklistItem")
    for order, (code, name, name_en) in enumerate(FACILITIES):
        Facility.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (code, name, name_en) in enumerate(CHECKLIST):
        ChecklistItem.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
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
    manager, _ = Group.objects.get_or_create(name="Apartment manager")
    for model, actions in MANAGER.items():
        for action in actions:
            manager.permissions.add(
                Permission.objects.get(
                    content_type__app_label="apartments", codename=f"{action}_{model}"
                )
            )
    centre_admin, _ = Group.objects.get_or_create(name="Centre admin")
    centre_admin.permissions.add(*Permission.objects.filter(content_type__app_label="apartments"))


def seed_all(apps, schema_editor):
    seed(apps, schema_editor)
    grant(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("apartments", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [migrations.RunPython(seed_all, migrations.RunPython.noop)]
