# Phone numbers encrypted at rest, found by a keyed hash (issue 20, riders/phones.py).

import django.core.validators
import riders.phones
from django.conf import settings
from django.db import migrations, models


def _digest(phone: str) -> str:
    from riders.phones import phone_digest

    return phone_digest(phone)


def encrypt_and_hash(apps, schema_editor):
    """Every rider's number rewritten through the encrypting field (a plaintext value still
    reads as itself: the field passes what it cannot decrypt through), with its hash; every
    sign-in code's number replaced by its hash and masked form."""
    from riders.models import mask_phone

    Rider = apps.get_model("riders", "Rider")
    for pk, phone in Rider.objects.values_list("pk", "phone").iterator(chunk_size=2000):
        Rider.objects.filter(pk=pk).update(
            phone=phone or None, phone_hash=_digest(phone) if phone else None
        )
    SignInCode = apps.get_model("riders", "SignInCode")
    for pk, phone in SignInCode.objects.values_list("pk", "phone").iterator(chunk_size=2000):
        SignInCode.objects.filter(pk=pk).update(phone_hash=_digest(phone), phone_masked=mask_phone(phone))


def decrypt(apps, schema_editor):
    """Back: the numbers in clear again (the column turns back into varchar(11) next)."""
    Rider = apps.get_model("riders", "Rider")
    table = schema_editor.quote_name(Rider._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for pk, phone in Rider.objects.values_list("pk", "phone").iterator(chunk_size=2000):
            cursor.execute(f"UPDATE {table} SET phone = %s WHERE id = %s", [phone, pk])
    SignInCode = apps.get_model("riders", "SignInCode")
    SignInCode.objects.all().delete()  # their numbers are gone; codes live minutes anyway


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_city_tenancy"),
        ("riders", "0008_city_tenancy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="rider", name="rider_phone_not_empty"),
        migrations.RemoveConstraint(
            model_name="signincode", name="sign_in_code_one_current_per_phone"
        ),
        migrations.RemoveIndex(model_name="signincode", name="sign_in_code_phone_idx"),
        migrations.AddField(
            model_name="rider",
            name="phone_hash",
            field=models.CharField(
                editable=False,
                max_length=64,
                null=True,
                unique=True,
                verbose_name="phone look-up hash",
            ),
        ),
        migrations.AddField(
            model_name="signincode",
            name="phone_hash",
            field=models.CharField(default="", max_length=64, verbose_name="phone look-up hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signincode",
            name="phone_masked",
            field=models.CharField(default="", max_length=11, verbose_name="mobile phone"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="rider",
            name="phone",
            field=riders.phones.EncryptedPhoneField(
                max_length=11,
                null=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^1[3-9]\\d{9}$",
                        "Enter an 11-digit mainland China mobile number, e.g. 13812345678.",
                    )
                ],
                verbose_name="mobile phone",
            ),
        ),
        migrations.RunPython(encrypt_and_hash, decrypt),
        migrations.RemoveField(model_name="signincode", name="phone"),
        migrations.AddIndex(
            model_name="signincode",
            index=models.Index(fields=["phone_hash", "-created_at"], name="sign_in_code_phone_idx"),
        ),
        migrations.AddConstraint(
            model_name="rider",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_active", False), ("phone_hash__isnull", False), _connector="OR"),
                name="rider_active_has_phone",
            ),
        ),
        migrations.AddConstraint(
            model_name="signincode",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_current", True)),
                fields=("phone_hash",),
                name="sign_in_code_one_current_per_phone",
            ),
        ),
    ]
