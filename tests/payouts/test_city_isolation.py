"""Payout batches city by city (issue 19): a batch is one city's; its staff list, export and
act on it, another city's staff get a 404; a national admin names the city of a new batch."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import SUBSIDY_REVIEWER
from payouts.models import PayoutBatch
from subsidies import services as subsidies
from subsidies.models import InsuranceType
from tests.cities import jinan_rider, national_admin, staff
from tests.factories import RiderFactory, jinan, photo_upload, qingdao

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def approved_claim(rider, reviewer):
    claim = subsidies.claim_file(
        rider=rider,
        month=last_month(),
        amounts={InsuranceType.objects.get(code="pension"): Decimal("400.00")},
        proof=photo_upload(),
    )
    subsidies.claims_approve(claims=[claim], reviewer=reviewer)
    return claim


def test_batches_are_listed_and_exported_by_their_city_only(client):
    qingdao_reviewer, jinan_reviewer = (
        staff(SUBSIDY_REVIEWER, qingdao()),
        staff(SUBSIDY_REVIEWER, jinan()),
    )
    approved_claim(RiderFactory(), qingdao_reviewer)
    approved_claim(jinan_rider(), jinan_reviewer)
    add = reverse("admin:payouts_payoutbatch_add")
    month = f"{last_month():%Y-%m}"
    client.force_login(jinan_reviewer)
    page = client.get(add).text
    assert 'name="city"' not in page  # their own city
    client.post(add, {"source": "subsidy", "month": month})
    jinan_batch = PayoutBatch.objects.get()
    assert jinan_batch.city == jinan() and jinan_batch.item_count == 1
    client.force_login(qingdao_reviewer)
    assert (
        client.get(reverse("admin:payouts_payoutbatch_change", args=[jinan_batch.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:payouts_payoutbatch_export", args=[jinan_batch.pk])).status_code
        == 404
    )
    assert (
        jinan_batch.number not in client.get(reverse("admin:payouts_payoutbatch_changelist")).text
    )
    # The approve action with another city's id posted does nothing.
    client.post(
        reverse("admin:payouts_payoutbatch_changelist"),
        {"action": "approve", "_selected_action": [jinan_batch.pk]},
    )
    jinan_batch.refresh_from_db()
    assert jinan_batch.status == "draft"
    # A national admin sees every city and names the city of a new batch.
    client.force_login(national_admin())
    assert 'name="city"' in client.get(add).text
    client.post(add, {"source": "subsidy", "month": month, "city": qingdao().pk})
    qingdao_batch = PayoutBatch.objects.exclude(pk=jinan_batch.pk).get()
    assert qingdao_batch.city == qingdao() and qingdao_batch.item_count == 1
    listing = client.get(reverse("admin:payouts_payoutbatch_changelist")).text
    assert jinan_batch.number in listing and qingdao_batch.number in listing
