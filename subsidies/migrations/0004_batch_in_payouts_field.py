"""Step 1 of 3 moving subsidies' batches into payouts (issue 13): the new foreign key(s).
Three migrations, so PostgreSQL commits the copied rows before the tables are altered."""

import django.db.models.deletion
from django.db import migrations, models



def batch_field(related_name: str, **extra):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="payouts.payoutbatch",
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0003_subsidy_batch_paid_by"),
        ("payouts", "0001_initial"),
    ]

    operations = [
        migrations.AddField("claim", "payout_batch", batch_field("+")),
        migrations.AddField("adjustment", "payout_batch", batch_field("+")),
    ]
