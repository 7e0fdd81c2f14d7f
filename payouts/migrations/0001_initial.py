import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BatchNumber",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("source", models.CharField(choices=[("reward", "Cash rewards for reports"), ("subsidy", "Social-insurance subsidies")], max_length=8)),
                ("month", models.DateField()),
                ("last", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "batch number counter",
                "verbose_name_plural": "batch number counters",
                "constraints": [models.UniqueConstraint(fields=("source", "month"), name="batch_number_once")],
            },
        ),
        migrations.CreateModel(
            name="PayoutBatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="batch number")),
                ("source", models.CharField(choices=[("reward", "Cash rewards for reports"), ("subsidy", "Social-insurance subsidies")], max_length=8, verbose_name="what is paid")),
                ("month", models.DateField(verbose_name="items up to the end of")),
                ("status", models.CharField(choices=[("draft", "Draft"), ("approved", "Approved"), ("paid", "Paid")], default="draft", max_length=8, verbose_name="status")),
                ("item_count", models.PositiveIntegerField(default=0, verbose_name="items")),
                ("rider_count", models.PositiveIntegerField(default=0, verbose_name="riders")),
                ("total", models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name="total (yuan)")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="approved at")),
                ("paid_at", models.DateTimeField(blank=True, null=True, verbose_name="paid at")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="created by")),
                ("approved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="approved by")),
                ("paid_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="paid by")),
            ],
            options={
                "verbose_name": "payout batch",
                "verbose_name_plural": "payout batches",
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("approve_payoutbatch", "Can approve a payout batch someone else created"),
                    ("pay_payoutbatch", "Can mark an approved payout batch as paid"),
                ],
                "indexes": [models.Index(fields=["source", "status", "-created_at"], name="payout_queue_idx")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("source", "subsidy"), ("total__gte", 0), _connector="OR"), name="payout_total_not_negative"),
                    models.CheckConstraint(condition=models.Q(("status", "draft"), ("approved_at__isnull", False), _connector="OR"), name="payout_approved_has_time"),
                    models.CheckConstraint(condition=models.Q(("approved_by__isnull", True), models.Q(("approved_by", models.F("created_by")), _negated=True), _connector="OR"), name="payout_approver_not_creator"),
                    models.CheckConstraint(condition=models.Q(models.Q(("status", "paid"), _negated=True), ("paid_at__isnull", False), _connector="OR"), name="payout_paid_has_time"),
                ],
            },
        ),
    ]
