"""Subsidy batches move into the one payouts module (issue 13): each SubsidyBatch becomes a
payouts.PayoutBatch with the same number; its claims and adjustments follow. Subsidy batches
were paid without an approval step, so a paid one keeps approved_by empty and its payment time
as approval time. The number counters are set by payouts/migrations/0002."""


from django.db import migrations


def forward(apps, schema_editor):
    Old = apps.get_model("subsidies", "SubsidyBatch")
    New = apps.get_model("payouts", "PayoutBatch")
    Claim = apps.get_model("subsidies", "Claim")
    Adjustment = apps.get_model("subsidies", "Adjustment")
    for old in Old.objects.order_by("id"):
        claims = Claim.objects.filter(batch_id=old.pk)
        adjustments = Adjustment.objects.filter(batch_id=old.pk)
        riders = set(claims.values_list("rider_id", flat=True)) | set(
            adjustments.values_list("claim__rider_id", flat=True)
        )
        new = New.objects.create(
            number=old.number,
            source="subsidy",
            month=old.month,
            status=old.status,
            item_count=claims.count() + adjustments.count(),
            rider_count=len(riders),
            total=old.total,
            created_by_id=old.created_by_id,
            approved_at=old.paid_at,
            paid_by_id=old.paid_by_id,
            paid_at=old.paid_at,
        )
        New.objects.filter(pk=new.pk).update(created_at=old.created_at)
        claims.update(payout_batch_id=new.pk)
        adjustments.update(payout_batch_id=new.pk)


def backward(apps, schema_editor):
    Old = apps.get_model("subsidies", "SubsidyBatch")
    New = apps.get_model("payouts", "PayoutBatch")
    Claim = apps.get_model("subsidies", "Claim")
    Adjustment = apps.get_model("subsidies", "Adjustment")
    for new in New.objects.filter(source="subsidy").order_by("id"):
        claims = Claim.objects.filter(payout_batch_id=new.pk)
        old = Old.objects.create(
            number=new.number,
            month=new.month,
            status="paid" if new.status == "paid" else "draft",
            claim_count=claims.count(),
            total=new.total,
            created_by_id=new.created_by_id,
            paid_by_id=new.paid_by_id,
            paid_at=new.paid_at,
        )
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
        claims.update(batch_id=old.pk)
        Adjustment.objects.filter(payout_batch_id=new.pk).update(batch_id=old.pk)
    Claim.objects.filter(payout_batch__isnull=False).update(payout_batch=None)
    Adjustment.objects.filter(payout_batch__isnull=False).update(payout_batch=None)
    New.objects.filter(source="subsidy").delete()


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0004_batch_in_payouts_field")]

    operations = [migrations.RunPython(forward, backward)]
