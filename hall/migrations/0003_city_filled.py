import django.db.models.deletion
from django.db import migrations, models


def _first_city(apps):
    # Before cities were tenants there was one city (Qingdao): rows that name none are its.
    return apps.get_model("core", "City").objects.order_by("pk").first()


def displays_in_the_one_city(apps, schema_editor):
    # Checked now: the NOT NULL below must not meet pending foreign-key checks.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    HallDisplay = apps.get_model("hall", "HallDisplay")
    if HallDisplay.objects.filter(city=None).exists():
        HallDisplay.objects.filter(city=None).update(city=_first_city(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("hall", "0002_city_tenancy"),
    ]

    operations = [
        migrations.RunPython(displays_in_the_one_city, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='halldisplay',
            name='city',
            field=models.ForeignKey(blank=True, help_text='The city whose figures the screen shows.', on_delete=django.db.models.deletion.CASCADE, related_name='hall_displays', to='core.city', verbose_name='city'),
        ),
    ]
