"""Step 3 of 3 moving subsidies' batches into payouts: the old batch column and model go,
the new column takes its name, constraints and indexes."""

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
    dependencies = [("subsidies", "0005_copy_batches_to_payouts")]

    operations = [
        migrations.RemoveIndex(model_name="claim", name="claim_payable_idx"),
        migrations.RemoveConstraint(model_name="claim", name="claim_batched_only_when_approved"),
        migrations.RemoveField(model_name="claim", name="batch"),
        migrations.RemoveField(model_name="adjustment", name="batch"),
        migrations.RenameField("claim", "payout_batch", "batch"),
        migrations.RenameField("adjustment", "payout_batch", "batch"),
        migrations.AlterField(
            "claim", "batch", batch_field("subsidy_claims", verbose_name="payout batch")
        ),
        migrations.AlterField(
            "adjustment", "batch", batch_field("subsidy_adjustments", verbose_name="payout batch")
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("batch__isnull", True), ("status", "approved")),
                fields=["month"],
                name="claim_payable_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("batch__isnull", True), ("status__in", ["approved", "paid"]), _connector="OR"
                ),
                name="claim_batched_only_when_approved",
            ),
        ),
        migrations.DeleteModel(name="SubsidyBatch"),
    ]
