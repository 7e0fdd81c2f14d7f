"""The points history gives the portal's reasons in the reader's language (issue 17 item 7):
the admin's "cancel and refund" stores a kind, not its text in the admin's language; a
person's words stay as typed; rows from before are migrated (rewards 0008)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from core.roles import CENTRE_ADMIN
from rewards import services
from rewards.messages import CANCELLED_BY_CENTRE
from rewards.models import LedgerEntry, Redemption
from tests.factories import BenefitFactory, RiderFactory, StaffFactory, give_points

pytestmark = pytest.mark.django_db

rewards_0008 = importlib.import_module("rewards.migrations.0008_ledger_reasons_as_kinds")


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    give_points(rider, 100)
    client.force_login(rider.user)
    return rider


def history(client, language: str) -> str:
    response = client.get(reverse("rewards:points"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def cancel_in_the_admin(rider) -> LedgerEntry:
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    admin = StaffFactory()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    staff.force_login(admin)
    response = staff.post(
        reverse("admin:rewards_redemption_changelist"),
        {"action": "cancel_and_refund", "_selected_action": [redemption.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.CANCELLED
    return LedgerEntry.objects.get(redemption=redemption, kind="refunded")


def test_a_refund_from_the_admin_stores_a_kind_and_reads_in_english(client, rider):
    entry = cancel_in_the_admin(rider)
    assert (entry.reason_kind, entry.reason) == (CANCELLED_BY_CENTRE.kind, "")
    assert "Cancelled by the service centre" in history(client, "en")
    assert "Cancelled by the service centre" not in history(client, "zh-hans")


def test_a_person_s_words_stay_as_typed(client, rider):
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    services.redemption_cancel(redemption=redemption, by=StaffFactory(), reason="食堂停业")
    assert "食堂停业" in history(client, "en")


def test_a_cancel_without_any_reason_is_refused(rider):
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    with pytest.raises(services.DomainError) as refused:
        services.redemption_cancel(redemption=redemption, by=StaffFactory(), reason="  ")
    assert refused.value.code == "reason_required"


def test_an_outsider_does_not_see_anothers_history(client, rider):
    cancel_in_the_admin(rider)
    client.force_login(RiderFactory().user)
    assert "Cancelled by the service centre" not in history(client, "en")


def test_old_rows_in_either_language_become_the_kind_and_the_ledger_stays_append_only(
    client, rider
):
    old = []
    for text in ("服务中心已取消", "Cancelled by the service centre"):
        redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
        services.redemption_cancel(redemption=redemption, by=StaffFactory(), reason=text)
        old.append(LedgerEntry.objects.get(redemption=redemption, kind="refunded"))
    typed = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    services.redemption_cancel(redemption=typed, by=StaffFactory(), reason="食堂停业")
    rewards_0008.forwards(apps, SimpleNamespace(connection=connection))
    for entry in old:
        row = LedgerEntry.objects.get(pk=entry.pk)
        assert (row.reason_kind, row.reason) == (CANCELLED_BY_CENTRE.kind, "")
        assert (row.points, row.balance_after) == (entry.points, entry.balance_after)
    kept = LedgerEntry.objects.get(redemption=typed, kind="refunded")
    assert (kept.reason_kind, kept.reason) == ("", "食堂停业")
    assert "服务中心已取消" not in history(client, "en")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=kept.pk).update(reason="改")
