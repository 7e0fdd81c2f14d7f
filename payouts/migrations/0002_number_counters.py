"""Number counters from the batch numbers taken before payouts existed (moved in by
rewards/0005 and subsidies/0005), so a new batch never takes an old number."""

import re

from django.db import migrations


def set_counters(apps, schema_editor):
    PayoutBatch = apps.get_model("payouts", "PayoutBatch")
    BatchNumber = apps.get_model("payouts", "BatchNumber")
    last: dict = {}
    for source, month, number in PayoutBatch.objects.values_list("source", "month", "number"):
        found = re.search(r"-(\d+)$", number)
        if found:
            key = (source, month)
            last[key] = max(last.get(key, 0), int(found.group(1)))
    for (source, month), value in last.items():
        BatchNumber.objects.update_or_create(source=source, month=month, defaults={"last": value})


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0001_initial"),
        ("rewards", "0006_batch_in_payouts"),
        ("subsidies", "0006_batch_in_payouts"),
    ]

    operations = [migrations.RunPython(set_counters, migrations.RunPython.noop)]
