from django.db import migrations

# Role permissions used to be granted here; every app now declares them on its AppConfig and
# core/roles.py grants them after every migrate, on new and existing databases alike.


class Migration(migrations.Migration):
    dependencies = [
        ("growth", "0001_initial"),
        ("core", "0002_seed_qingdao_and_staff_groups"),
    ]

    operations = []
