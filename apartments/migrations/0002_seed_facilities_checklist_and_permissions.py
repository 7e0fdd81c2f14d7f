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


# Role permissions used to be granted here; every app now declares them on its AppConfig and
# core/roles.py grants them after every migrate, on new and existing databases alike.


class Migration(migrations.Migration):
    dependencies = [
        ("apartments", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
