from django.db import migrations

QINGDAO_DISTRICTS = [
    # code, official name, English name, alias, latitude, longitude
    ("shinan", "市南区", "Shinan District", "", "36.067100", "120.382600"),
    ("shibei", "市北区", "Shibei District", "", "36.087400", "120.374900"),
    ("licang", "李沧区", "Licang District", "", "36.145000", "120.432800"),
    ("laoshan", "崂山区", "Laoshan District", "", "36.107300", "120.468900"),
    ("chengyang", "城阳区", "Chengyang District", "", "36.307300", "120.396300"),
    ("huangdao", "黄岛区", "Huangdao District (West Coast New Area)", "西海岸新区", "35.960500", "120.198200"),
    ("jimo", "即墨区", "Jimo District", "", "36.389400", "120.447300"),
    ("jiaozhou", "胶州市", "Jiaozhou", "", "36.264400", "120.033500"),
    ("pingdu", "平度市", "Pingdu", "", "36.786700", "119.959700"),
    ("laixi", "莱西市", "Laixi", "", "36.888000", "120.517700"),
]

STAFF_GROUPS = [
    "Dispatcher",
    "Apartment manager",
    "Canteen operator",
    "Subsidy reviewer",
    "Centre admin",
]


def seed(apps, schema_editor):
    City = apps.get_model("core", "City")
    District = apps.get_model("core", "District")
    Group = apps.get_model("auth", "Group")
    qingdao, _ = City.objects.get_or_create(
        code="qingdao", defaults={"name": "青岛市", "name_en": "Qingdao"}
    )
    for order, (code, name, name_en, alias, lat, lng) in enumerate(QINGDAO_DISTRICTS):
        District.objects.update_or_create(
            city=qingdao,
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "alias": alias,
                "latitude": lat,
                "longitude": lng,
                "sort_order": order,
            },
        )
    for name in STAFF_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
