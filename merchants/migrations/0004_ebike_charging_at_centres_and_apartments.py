from django.db import migrations

# The places that already offered e-bike charging before it was a service of its own: rider
# service centres (骑手驿站) and rider apartments charge e-bikes by design (e-bikes may not be
# charged indoors, so both have charging cabinets outside; docs/decisions.md, "Rider
# experience (issue 17)"). Battery swap is an operator's cabinet: no existing place is assumed
# to offer it; the centre admins tick it (or import it) place by place.
KINDS_WITH_EBIKE_CHARGING = ("centre", "apartment")


def forwards(apps, schema_editor):
    Merchant = apps.get_model("merchants", "Merchant")
    Merchant.objects.filter(kind__in=KINDS_WITH_EBIKE_CHARGING).update(has_ebike_charging=True)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0003_ebike_charging_and_battery_swap")]

    # Backwards there is nothing to undo: the previous migration's reverse drops the column.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
