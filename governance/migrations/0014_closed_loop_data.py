"""The closed loop's starting state: reports resolved under the old rule were validated and paid
at once, so they count as confirmed; the fire-lane and fire-hazard categories need an evidence
photo with a resolution (issue 14)."""

from django.db import migrations

# Where a photo is the only proof the danger is gone. Stairwell clutter is left to the centre
# to switch on in the admin (docs/decisions.md).
EVIDENCE_CATEGORIES = ["blocked-fire-lane", "fire-hazard"]


def forward(apps, schema_editor):
    Report = apps.get_model("governance", "Report")
    Category = apps.get_model("governance", "Category")
    Report.objects.filter(status="resolved").update(status="confirmed")
    Category.objects.filter(code__in=EVIDENCE_CATEGORIES).update(evidence_required=True)


def backward(apps, schema_editor):
    Report = apps.get_model("governance", "Report")
    Report.objects.filter(status="confirmed").update(status="resolved")


class Migration(migrations.Migration):
    dependencies = [("governance", "0013_closed_loop")]

    operations = [migrations.RunPython(forward, backward)]
