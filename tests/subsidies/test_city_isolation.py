"""Subsidies city by city (issue 19): a claim belongs to the city that pays it (the rider's
when filing, kept when the rider moves), each city's policy table with the national one as the
fallback, reviewers see their city's claims only (another city's is a 404), a payout batch
pays one city's claims only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.roles import CENTRE_ADMIN, SUBSIDY_REVIEWER
from payouts import services as payouts
from riders.services import rider_move_city
from subsidies import services
from subsidies.models import InsuranceType, SubsidyPolicy
from tests.cities import jinan_rider, national_admin, staff
from tests.factories import RiderFactory, jinan, photo_upload, qingdao, qingdao_district

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def pension() -> InsuranceType:
    return InsuranceType.objects.get(code="pension")


def file(rider, amount="520.00"):
    return services.claim_file(
        rider=rider,
        month=last_month(),
        amounts={pension(): Decimal(amount)},
        proof=photo_upload(),
    )


def test_a_claim_is_the_city_it_was_filed_in_even_after_the_rider_moves():
    rider = jinan_rider()
    claim = file(rider)
    assert claim.city == jinan()
    services.claims_approve(claims=[claim], reviewer=staff(SUBSIDY_REVIEWER, jinan()))
    rider_move_city(rider=rider, district=qingdao_district(), by=national_admin(), reason="调岗")
    claim.refresh_from_db()
    assert claim.city == jinan() and rider.district.city == qingdao()


def test_a_citys_own_policy_else_the_national_one():
    month = last_month()
    national = services.policies_for(month)[pension().pk]
    assert national.city is None
    assert services.policies_for(month, jinan().pk)[pension().pk] == national
    own = SubsidyPolicy.objects.create(
        city=jinan(),
        insurance_type=pension(),
        starts_on=dt.date(2020, 1, 1),
        voluntary_rate=Decimal("0.300"),
        honour_rate=Decimal("0.800"),
    )
    assert services.policies_for(month, jinan().pk)[pension().pk] == own
    assert services.policies_for(month, qingdao().pk)[pension().pk] == national
    # A Jinan regular rider gets Jinan's 30 %, a Qingdao one the national rate.
    assert file(jinan_rider()).subsidy == Decimal("156.00")
    assert file(RiderFactory()).subsidy == (Decimal("520.00") * national.voluntary_rate).quantize(
        Decimal("0.01")
    )


def test_one_policy_per_type_and_start_in_each_table():
    start = dt.date(2030, 1, 1)
    fields = {
        "insurance_type": pension(),
        "starts_on": start,
        "voluntary_rate": Decimal("0.5"),
        "honour_rate": Decimal("1"),
    }
    SubsidyPolicy.objects.create(**fields)
    SubsidyPolicy.objects.create(city=jinan(), **fields)
    SubsidyPolicy.objects.create(city=qingdao(), **fields)
    for city in (None, jinan()):
        with pytest.raises(IntegrityError), transaction.atomic():
            SubsidyPolicy.objects.create(city=city, **fields)


@pytest.mark.parametrize("role", [SUBSIDY_REVIEWER, CENTRE_ADMIN])
def test_qingdao_reviewers_get_404_for_jinan_claims(client, role):
    mine, theirs = file(RiderFactory()), file(jinan_rider())
    client.force_login(staff(role, qingdao()))
    listing = client.get(reverse("admin:subsidies_claim_changelist")).text
    assert mine.rider.name in listing and theirs.rider.name not in listing
    assert client.get(reverse("admin:subsidies_claim_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:subsidies_claim_change", args=[mine.pk])).status_code == 200
    # The approve action on a posted Jinan id does nothing.
    client.post(
        reverse("admin:subsidies_claim_changelist"),
        {"action": "approve", "_selected_action": [theirs.pk]},
    )
    theirs.refresh_from_db()
    assert theirs.status == "submitted"


def test_a_national_admin_sees_both_cities_claims(client):
    mine, theirs = file(RiderFactory()), file(jinan_rider())
    client.force_login(national_admin())
    for claim in (mine, theirs):
        assert (
            client.get(reverse("admin:subsidies_claim_change", args=[claim.pk])).status_code == 200
        )


def test_a_city_sees_its_policies_and_the_national_ones_and_changes_only_its_own(client):
    own = SubsidyPolicy.objects.create(
        city=qingdao(),
        insurance_type=pension(),
        starts_on=dt.date(2031, 1, 1),
        voluntary_rate=Decimal("0.5"),
        honour_rate=Decimal("1"),
    )
    other = SubsidyPolicy.objects.create(
        city=jinan(),
        insurance_type=pension(),
        starts_on=dt.date(2031, 1, 1),
        voluntary_rate=Decimal("0.4"),
        honour_rate=Decimal("1"),
    )
    national = SubsidyPolicy.objects.filter(city__isnull=True).first()
    client.force_login(staff(CENTRE_ADMIN, qingdao()))
    change = "admin:subsidies_subsidypolicy_change"
    assert client.get(reverse(change, args=[other.pk])).status_code == 404
    assert client.get(reverse(change, args=[own.pk])).status_code == 200
    national_page = client.get(reverse(change, args=[national.pk]))
    assert national_page.status_code == 200 and 'name="_save"' not in national_page.text


def test_a_payout_batch_pays_one_citys_claims():
    mine, theirs = file(RiderFactory()), file(jinan_rider())
    qingdao_reviewer = staff(SUBSIDY_REVIEWER, qingdao())
    jinan_reviewer = staff(SUBSIDY_REVIEWER, jinan())
    services.claims_approve(claims=[mine], reviewer=qingdao_reviewer)
    services.claims_approve(claims=[theirs], reviewer=jinan_reviewer)
    batch = payouts.batch_create(source="subsidy", month=last_month(), by=qingdao_reviewer)
    assert batch.city == qingdao()
    assert list(batch.subsidy_claims.values_list("pk", flat=True)) == [mine.pk]
    # A Jinan reviewer cannot approve Qingdao's batch; a national admin names the city.
    with pytest.raises(DomainError) as refused:
        payouts.batch_approve(batch=batch, by=jinan_reviewer)
    assert refused.value.code == "city"
    with pytest.raises(DomainError) as refused:
        payouts.batch_create(source="subsidy", month=last_month(), by=national_admin())
    assert refused.value.code == "no_city"
    second = payouts.batch_create(
        source="subsidy", month=last_month(), by=national_admin(), city=jinan()
    )
    assert list(second.subsidy_claims.values_list("pk", flat=True)) == [theirs.pk]
    with pytest.raises(DomainError):
        payouts.batch_create(
            source="subsidy", month=last_month(), by=qingdao_reviewer, city=jinan()
        )
