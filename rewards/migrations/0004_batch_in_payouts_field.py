"""Step 1 of 3 moving rewards' batches into payouts (issue 13): the new foreign key(s).
Three migrations, so PostgreSQL commits the copied rows before the tables are altered."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0003_paid_by_and_withdrawn_by"),
        ("payouts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="award",
            name="payout_batch",
            field=models.ForeignKey(
                null=True,
                blank=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="payouts.payoutbatch",
            ),
        ),
    ]
