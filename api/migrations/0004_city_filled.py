import django.db.models.deletion
from django.db import migrations, models


def _first_city(apps):
    # Before cities were tenants there was one city (Qingdao): rows that name none are its.
    return apps.get_model("core", "City").objects.order_by("pk").first()


def tokens_in_their_city(apps, schema_editor):
    # Checked now: the NOT NULL below must not meet pending foreign-key checks.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.filter(city=None, department__isnull=False).select_related(
        "department"
    ):
        token.city_id = token.department.city_id
        token.save(update_fields=["city"])
    if ApiToken.objects.filter(city=None).exists():
        ApiToken.objects.filter(city=None).update(city=_first_city(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_city_tenancy"),
    ]

    operations = [
        migrations.RunPython(tokens_in_their_city, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='apitoken',
            name='city',
            field=models.ForeignKey(blank=True, help_text="An officer token's city is its department's.", on_delete=django.db.models.deletion.PROTECT, related_name='api_tokens', to='core.city', verbose_name='city'),
        ),
    ]
