from decimal import Decimal

from django.db import migrations

ROLES = [
    ("safe-driver", "安全文明驾驶员", "Safe and civil driver"),
    ("grid-worker", "社区流动网格员", "Mobile community grid worker"),
    ("safety-observer", "平安建设观察员", "Public-safety observer"),
    ("food-safety", "食品安全监督员", "Food-safety supervisor"),
    ("civility-promoter", "文明城市宣传员", "Civilised-city promoter"),
]

# code, role, Chinese, English, closure hours, cash reward (yuan), points
CATEGORIES = [
    ("road-hazard", "safe-driver", "道路安全隐患", "Road hazard (pothole, missing cover)", 24, "10.00", 20),
    ("traffic-signal-fault", "safe-driver", "信号灯故障", "Broken traffic light", 12, "10.00", 20),
    ("stairwell-clutter", "grid-worker", "楼道堆物", "Stairwell clutter", 24, "5.00", 10),
    ("broken-streetlight", "grid-worker", "路灯损坏", "Broken streetlight", 48, "5.00", 10),
    ("broken-facility", "grid-worker", "公共设施损坏", "Broken public facility", 48, "5.00", 10),
    ("fire-hazard", "safety-observer", "火灾隐患", "Fire hazard (e.g. e-bike charging indoors)", 12, "20.00", 40),
    ("blocked-fire-lane", "safety-observer", "消防通道堵塞", "Blocked fire lane", 12, "15.00", 30),
    ("unlicensed-food-stall", "food-safety", "无证食品摊贩", "Unlicensed food stall", 24, "10.00", 20),
    ("food-safety-violation", "food-safety", "商户食品安全问题", "Food-safety violation by a merchant", 24, "20.00", 40),
    ("uncivil-behaviour", "civility-promoter", "不文明行为", "Uncivil behaviour", 24, "5.00", 10),
    ("illegal-flyers", "civility-promoter", "乱贴小广告", "Illegal flyers and graffiti", 48, "5.00", 10),
]


def seed(apps, schema_editor):
    Role = apps.get_model("governance", "Role")
    Category = apps.get_model("governance", "Category")
    roles = {}
    for order, (code, name, name_en) in enumerate(ROLES):
        roles[code], _ = Role.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (code, role, name, name_en, hours, cash, points) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "role": roles[role],
                "name": name,
                "name_en": name_en,
                "closure_hours": hours,
                "cash_reward": Decimal(cash),
                "points_reward": points,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
