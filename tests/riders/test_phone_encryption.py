"""Phone numbers encrypted at rest, found by a keyed hash (issue 20, riders/phones.py)."""

import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from riders import services
from riders.models import Rider, SignInCode
from riders.phones import phone_digest
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db

PHONE = "13712345678"


def stored(rider: Rider) -> tuple[str | None, str | None]:
    """The phone column and its hash as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM riders_rider WHERE id = %s", [rider.pk])
        return cursor.fetchone()


def test_the_database_holds_a_ciphertext_and_a_keyed_hash_never_the_number():
    rider = RiderFactory(phone=PHONE)
    column, digest = stored(rider)
    assert PHONE not in column and column.startswith("gAAAA")  # a Fernet token
    assert digest == phone_digest(PHONE) and PHONE not in digest
    assert Rider.objects.get(pk=rider.pk).phone == PHONE  # the round trip
    # Each write is a fresh token (random IV): equal numbers do not show as equal columns.
    rider.save()
    assert stored(rider)[0] != column


def test_the_hash_is_keyed_a_plain_hash_of_the_number_does_not_match(settings):
    import hashlib

    rider = RiderFactory(phone=PHONE)
    assert stored(rider)[1] != hashlib.sha256(PHONE.encode()).hexdigest()
    settings.PHONE_LOOKUP_KEYS = ["another-key"]
    assert phone_digest(PHONE) != stored(rider)[1]


def test_sign_in_finds_the_rider_by_phone_with_the_query_count_unchanged(sms_outbox):
    """17 queries to ask for a code, 11 to sign in with it: the same as before the numbers
    were encrypted (measured on the code before, in the same way)."""
    rider = RiderFactory(phone=PHONE)
    services.sign_in_code_request(phone=PHONE, client_ip="10.0.0.1")
    with CaptureQueriesContext(connection) as asked:
        services.sign_in_code_request(phone="13911112222", client_ip="10.0.0.2")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    with CaptureQueriesContext(connection) as signed_in:
        assert services.sign_in_code_verify(phone=PHONE, code=code, client_ip="10.0.0.1") == rider
    assert (len(asked), len(signed_in)) == (17, 11)
    lookups = [q["sql"] for q in signed_in.captured_queries if 'FROM "riders_rider"' in q["sql"]]
    assert len(lookups) == 1 and '"phone_hash" IN' in lookups[0]


def test_the_look_up_is_an_index_scan():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN's plan is PostgreSQL's")
    RiderFactory.create_batch(30)
    rider = RiderFactory(phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a 31-row table: force the planner's hand
        sql, params = Rider.objects.with_phone(PHONE).only("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "riders_rider_phone_hash" in plan and "Index" in plan, plan
    assert Rider.objects.with_phone(PHONE).get() == rider


def test_a_sign_in_code_keeps_the_hash_and_the_masked_number_only(sms_outbox):
    RiderFactory(phone=PHONE)
    services.sign_in_code_request(phone=PHONE, client_ip="10.0.0.1")
    row = SignInCode.objects.get()
    assert (row.phone_hash, row.phone_masked) == (phone_digest(PHONE), "137****5678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM riders_signincode")
        assert PHONE not in repr(cursor.fetchall())


def test_keys_rotate_old_rows_still_read_and_found_then_rewritten(settings):
    settings.SALT_KEY = ["old-salt"]
    settings.PHONE_LOOKUP_KEYS = ["old-lookup"]
    rider = RiderFactory(phone=PHONE)
    old_column, old_digest = stored(rider)

    # A new key first, the old one after it: what the old keys wrote still reads and is found.
    settings.SALT_KEY = ["new-salt", "old-salt"]
    settings.PHONE_LOOKUP_KEYS = ["new-lookup", "old-lookup"]
    assert Rider.objects.with_phone(PHONE).get().phone == PHONE

    call_command("phone_keys_rotate", verbosity=0)
    new_column, new_digest = stored(rider)
    assert new_column != old_column and new_digest == phone_digest(PHONE, "new-lookup")

    # The old keys can go: everything is under the new ones.
    settings.SALT_KEY = ["new-salt"]
    settings.PHONE_LOOKUP_KEYS = ["new-lookup"]
    assert Rider.objects.with_phone(PHONE).get().phone == PHONE
    assert old_digest != new_digest
    call_command("phone_keys_rotate", verbosity=0)  # again: nothing breaks
    assert Rider.objects.with_phone(PHONE).get().phone == PHONE


def test_an_active_rider_has_a_number_an_erased_one_is_only_for_a_closed_account():
    rider = RiderFactory(phone=PHONE)
    rider.phone = None
    with pytest.raises(IntegrityError), transaction.atomic():
        rider.save()
    rider.is_active = False
    rider.save()
    assert stored(rider) == (None, None)


def test_two_riders_cannot_share_a_number():
    RiderFactory(phone=PHONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiderFactory(phone=PHONE)


def test_the_admin_finds_a_rider_by_exact_phone_and_refuses_a_taken_one(admin_client):
    rider = RiderFactory(phone=PHONE, name="王小骑")
    RiderFactory(phone="13800000001")
    page = admin_client.get("/admin/riders/rider/", {"q": PHONE})
    assert list(page.context["cl"].result_list) == [rider]
    other = RiderFactory(phone="13800000002")
    response = admin_client.post(
        f"/admin/riders/rider/{other.pk}/change/",
        {
            "rider_number": other.rider_number,
            "name": other.name,
            "phone": PHONE,
            "district": other.district_id,
            "joined_on": other.joined_on.isoformat(),
            "tier": other.tier,
            "is_active": "on",
            "tier_periods-TOTAL_FORMS": "0",
            "tier_periods-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert Rider.objects.get(pk=other.pk).phone == "13800000002"


def test_the_sign_in_code_admin_finds_codes_by_exact_phone(admin_client, sms_outbox):
    RiderFactory(phone=PHONE)
    RiderFactory(phone="13800000001")
    services.sign_in_code_request(phone=PHONE, client_ip="10.0.0.1")
    services.sign_in_code_request(phone="13800000001", client_ip="10.0.0.1")
    page = admin_client.get("/admin/riders/signincode/", {"q": PHONE})
    assert [row.phone_masked for row in page.context["cl"].result_list] == ["137****5678"]


def test_a_query_by_the_encrypted_number_is_refused_not_silently_empty():
    from django.core.exceptions import FieldError

    from governance.models import Report

    RiderFactory(phone=PHONE)
    for query in (
        lambda: Rider.objects.filter(phone=PHONE).exists(),
        lambda: Rider.objects.filter(phone__in=[PHONE]).exists(),
        lambda: Report.objects.filter(rider__phone=PHONE).exists(),
    ):
        with pytest.raises(FieldError, match="with_phone"):
            query()
    assert Rider.objects.filter(phone__isnull=False).count() == 1


def test_bulk_created_riders_get_their_look_up_hash():
    template = RiderFactory()
    users = [type(template.user).objects.create(username=f"bulk-{n}") for n in range(2)]
    Rider.objects.bulk_create(
        Rider(
            user=user,
            rider_number=f"BULK{n}",
            name="骑手",
            phone=f"1500000000{n}",
            district=template.district,
            joined_on=template.joined_on,
        )
        for n, user in enumerate(users)
    )
    assert Rider.objects.with_phone("15000000001").get().rider_number == "BULK1"
