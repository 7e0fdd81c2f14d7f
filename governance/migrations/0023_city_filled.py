import django.db.models.deletion
from django.db import migrations, models


def _first_city(apps):
    # Before cities were tenants there was one city (Qingdao): rows that name none are its.
    return apps.get_model("core", "City").objects.order_by("pk").first()


def rules_in_their_city(apps, schema_editor):
    # Checked now: the NOT NULL below must not meet pending foreign-key checks.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    RoutingRule = apps.get_model("governance", "RoutingRule")
    for rule in RoutingRule.objects.filter(city=None).select_related("district", "department"):
        rule.city_id = rule.district.city_id if rule.district_id else rule.department.city_id
        rule.save(update_fields=["city"])


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0022_city_tenancy"),
    ]

    operations = [
        migrations.RunPython(rules_in_their_city, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='routingrule',
            name='city',
            field=models.ForeignKey(blank=True, help_text='Filled from the district or the department when left empty.', on_delete=django.db.models.deletion.CASCADE, related_name='routing_rules', to='core.city', verbose_name='city'),
        ),
    ]
