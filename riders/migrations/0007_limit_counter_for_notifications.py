"""The notification SMS counters join the sign-in ones in one table, riders.LimitCounter.

SignInCounter is renamed (its rows, index and constraint names stay), NotifyCounter's rows move
in under scopes of their own, and its daily purge task leaves the beat schedule: the sign-in
codes' purge now clears both.
"""

from django.db import migrations, models
from django.db.models import Q

SCOPES = {"rider_day": "notify_rider_day", "site_hour": "notify_site_hour"}
CHOICES = [
    ("codes_ip_hour", "codes per client per hour"),
    ("codes_ip_day", "codes per client per day"),
    ("codes_net_hour", "codes per network per hour"),
    ("codes_net_day", "codes per network per day"),
    ("guesses_ip_hour", "code tries per client per hour"),
    ("guesses_net_hour", "code tries per network per hour"),
    ("sms_hour", "SMS sent per hour (whole site)"),
    ("notify_rider_day", "notification SMS per rider per day"),
    ("notify_site_hour", "notification SMS per hour (whole site)"),
]


def move_notify_counters(apps, schema_editor):
    NotifyCounter = apps.get_model("riders", "NotifyCounter")
    LimitCounter = apps.get_model("riders", "LimitCounter")
    LimitCounter.objects.bulk_create(
        (
            LimitCounter(
                scope=SCOPES[row.scope],
                key=row.key,
                window_start=row.window_start,
                count=row.count,
                alerted_at=row.alerted_at,
            )
            for row in NotifyCounter.objects.iterator()
        ),
        batch_size=2000,
    )


def move_back(apps, schema_editor):
    NotifyCounter = apps.get_model("riders", "NotifyCounter")
    LimitCounter = apps.get_model("riders", "LimitCounter")
    back = {new: old for old, new in SCOPES.items()}
    rows = LimitCounter.objects.filter(scope__in=back)
    NotifyCounter.objects.bulk_create(
        NotifyCounter(
            scope=back[row.scope],
            key=row.key,
            window_start=row.window_start,
            count=row.count,
            alerted_at=row.alerted_at,
        )
        for row in rows
    )
    rows.delete()


def drop_purge_task(apps, schema_editor):
    # django-celery-beat's DatabaseScheduler keeps schedule entries it once read from settings.
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="riders.tasks.purge_notify_counters").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("riders", "0006_sms_subject"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RenameModel("SignInCounter", "LimitCounter"),
        migrations.AlterModelOptions(
            name="limitcounter",
            options={"verbose_name": "limit counter", "verbose_name_plural": "limit counters"},
        ),
        migrations.RemoveConstraint(model_name="limitcounter", name="sign_in_counter_scope_valid"),
        migrations.AlterField(
            model_name="limitcounter",
            name="scope",
            field=models.CharField(choices=CHOICES, max_length=20, verbose_name="limit"),
        ),
        migrations.AlterField(
            model_name="limitcounter",
            name="key",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="client, network or rider"
            ),
        ),
        migrations.AddConstraint(
            model_name="limitcounter",
            constraint=models.CheckConstraint(
                condition=Q(scope__in=[value for value, _label in CHOICES]),
                name="sign_in_counter_scope_valid",
            ),
        ),
        migrations.RunPython(move_notify_counters, move_back),
        migrations.DeleteModel("NotifyCounter"),
        migrations.RunPython(drop_purge_task, migrations.RunPython.noop),
    ]
