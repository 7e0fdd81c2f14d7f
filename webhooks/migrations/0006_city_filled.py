import django.db.models.deletion
from django.db import migrations, models


def _first_city(apps):
    # Before cities were tenants there was one city (Qingdao): rows that name none are its.
    return apps.get_model("core", "City").objects.order_by("pk").first()


def receivers_in_their_city(apps, schema_editor):
    # Checked now: the NOT NULL below must not meet pending foreign-key checks.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Webhook = apps.get_model("webhooks", "Webhook")
    for hook in Webhook.objects.filter(city=None, department__isnull=False).select_related(
        "department"
    ):
        hook.city_id = hook.department.city_id
        hook.save(update_fields=["city"])
    if Webhook.objects.filter(city=None).exists():
        Webhook.objects.filter(city=None).update(city=_first_city(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0005_city_tenancy"),
    ]

    operations = [
        migrations.RunPython(receivers_in_their_city, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='webhook',
            name='city',
            field=models.ForeignKey(blank=True, help_text="A department's receiver is of its city; a platform receiver of this one.", on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='core.city', verbose_name='city'),
        ),
    ]
