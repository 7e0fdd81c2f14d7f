"""Cash-reward batches move into the one payouts module (issue 13): each rewards.PayoutBatch
becomes a payouts.PayoutBatch with the same number, status and people, and its awards follow.
A batch its creator approved (before four eyes) keeps its approval time; who approved it stays
in the audit log, since the new table refuses an approver who is the creator. The number
counters are set from these numbers by payouts/migrations/0002."""


from django.db import migrations


def forward(apps, schema_editor):
    Old = apps.get_model("rewards", "PayoutBatch")
    New = apps.get_model("payouts", "PayoutBatch")
    Award = apps.get_model("rewards", "Award")
    for old in Old.objects.order_by("id"):
        new = New.objects.create(
            number=old.number,
            source="reward",
            month=old.month,
            status=old.status,
            item_count=old.item_count,
            rider_count=old.rider_count,
            total=old.total,
            created_by_id=old.created_by_id,
            approved_by_id=None if old.approved_by_id == old.created_by_id else old.approved_by_id,
            approved_at=old.approved_at,
            paid_by_id=old.paid_by_id,
            paid_at=old.paid_at,
        )
        New.objects.filter(pk=new.pk).update(created_at=old.created_at)
        Award.objects.filter(batch_id=old.pk).update(payout_batch_id=new.pk)


def backward(apps, schema_editor):
    Old = apps.get_model("rewards", "PayoutBatch")
    New = apps.get_model("payouts", "PayoutBatch")
    Award = apps.get_model("rewards", "Award")
    for new in New.objects.filter(source="reward").order_by("id"):
        old = Old.objects.create(
            number=new.number,
            month=new.month,
            status=new.status,
            item_count=new.item_count,
            rider_count=new.rider_count,
            total=new.total,
            created_by_id=new.created_by_id,
            approved_by_id=new.approved_by_id or (new.approved_at and new.created_by_id),
            approved_at=new.approved_at,
            paid_by_id=new.paid_by_id,
            paid_at=new.paid_at,
        )
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
        Award.objects.filter(payout_batch_id=new.pk).update(batch_id=old.pk)
    Award.objects.filter(payout_batch__isnull=False).update(payout_batch=None)
    New.objects.filter(source="reward").delete()


class Migration(migrations.Migration):
    dependencies = [("rewards", "0004_batch_in_payouts_field")]

    operations = [migrations.RunPython(forward, backward)]
