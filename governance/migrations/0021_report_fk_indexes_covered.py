"""Drop the one-column indexes of four report foreign keys that composite indexes already
serve (issue 18): every write of a report maintained them for nothing.

Only the indexes go: Django's AlterField would also drop and re-add each foreign key, which
validates it over the whole table under lock; the constraints stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0020_admin_labels"),
        ("riders", "0007_limit_counter_for_notifications"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "governance_report_assignee_id_16882e1c";'
                    'DROP INDEX IF EXISTS "governance_report_category_id_839913ea";'
                    'DROP INDEX IF EXISTS "governance_report_department_id_e17daa46";'
                    'DROP INDEX IF EXISTS "governance_report_rider_id_baf3070e";',
                    reverse_sql=(
                        'CREATE INDEX "governance_report_assignee_id_16882e1c" '
                        'ON "governance_report" ("assignee_id");'
                        'CREATE INDEX "governance_report_category_id_839913ea" '
                        'ON "governance_report" ("category_id");'
                        'CREATE INDEX "governance_report_department_id_e17daa46" '
                        'ON "governance_report" ("department_id");'
                        'CREATE INDEX "governance_report_rider_id_baf3070e" '
                        'ON "governance_report" ("rider_id");'
                    ),
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="report",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assigned to",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="governance.category",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="governance.department",
                        verbose_name="department",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="rider",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="riders.rider",
                        verbose_name="rider",
                    ),
                ),
            ],
        ),
    ]
