"""Step 3 of 3 moving rewards' batches into payouts: the old batch column and model go,
the new column takes its name, constraints and indexes."""

import django.db.models.deletion
from django.db import migrations, models

CASH_ONLY_BATCHED = models.Q(
    models.Q(("cash_amount__gt", 0), ("kind", "cash"), ("points", 0)),
    models.Q(("batch__isnull", True), ("cash_amount", 0), ("kind", "points"), ("points__gt", 0)),
    _connector="OR",
)


class Migration(migrations.Migration):
    dependencies = [("rewards", "0005_copy_batches_to_payouts")]

    operations = [
        migrations.RemoveConstraint(model_name="award", name="award_amount_matches_kind"),
        migrations.RemoveIndex(model_name="award", name="award_unbatched_cash_idx"),
        migrations.RemoveField(model_name="award", name="batch"),
        migrations.RenameField(model_name="award", old_name="payout_batch", new_name="batch"),
        migrations.AlterField(
            model_name="award",
            name="batch",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="awards",
                to="payouts.payoutbatch",
                verbose_name="payout batch",
            ),
        ),
        migrations.AddConstraint(
            model_name="award",
            constraint=models.CheckConstraint(
                condition=CASH_ONLY_BATCHED, name="award_amount_matches_kind"
            ),
        ),
        migrations.AddIndex(
            model_name="award",
            index=models.Index(
                condition=models.Q(("batch__isnull", True), ("kind", "cash")),
                fields=["created_at"],
                name="award_unbatched_cash_idx",
            ),
        ),
        migrations.DeleteModel(name="PayoutBatch"),
    ]
