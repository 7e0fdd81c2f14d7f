"""Default priorities for the seed categories (issue 14): a blocked fire lane and a fire hazard
are urgent (4 h unless the category sets its own urgent time). Reports already filed keep
their priority; the dispatcher changes one by hand, with a reason."""

from django.db import migrations

URGENT, NORMAL = 1, 2  # governance.models.Priority
URGENT_CATEGORIES = ["blocked-fire-lane", "fire-hazard"]


def forward(apps, schema_editor):
    Category = apps.get_model("governance", "Category")
    Category.objects.filter(code__in=URGENT_CATEGORIES, default_priority=NORMAL).update(
        default_priority=URGENT
    )


def backward(apps, schema_editor):
    Category = apps.get_model("governance", "Category")
    Category.objects.filter(code__in=URGENT_CATEGORIES, default_priority=URGENT).update(
        default_priority=NORMAL
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0016_working_the_report")]

    operations = [migrations.RunPython(forward, backward)]
