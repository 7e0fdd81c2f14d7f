"""The subsidy claim form (issue 17.6): every problem of a submit at once (the amounts, the
proof and the service's rules for the month), a filled amount never reported as missing, the
proof checked once, and the month starting on the last month that can be claimed."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from subsidies import proofs, services
from subsidies.models import Claim, InsuranceType
from subsidies.selectors import claim_month_default, claimable_months
from tests.factories import RiderFactory, photo_upload

pytestmark = pytest.mark.django_db
MISSING = "Enter what you paid for at least one insurance."


def month_back(n: int) -> dt.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def broken_pdf():
    return SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 cut off")


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    client.cookies["riders_portal_language"] = "en"
    return rider


@pytest.fixture
def pension():
    return InsuranceType.objects.get(code="pension")


def post(client, **data):
    response = client.post(reverse("subsidies:new"), data)
    assert response.status_code == 200
    return response.context["form"].errors


def test_no_amount_and_a_bad_file_are_both_reported_on_the_first_submit(client, rider):
    errors = post(client, month=month_back(1).isoformat(), proof=broken_pdf())
    assert errors["__all__"] == [MISSING]
    assert errors["proof"] == ["receipt.pdf is damaged or incomplete. Save it again and retry."]
    assert not Claim.objects.exists()


def test_a_filled_amount_with_its_own_problem_is_not_reported_as_missing(client, rider, pension):
    for amount in ("520.555", "0", "-5", "lots"):
        errors = post(
            client,
            month=month_back(1).isoformat(),
            proof=broken_pdf(),
            **{f"paid_{pension.pk}": amount},
        )
        assert f"paid_{pension.pk}" in errors and "proof" in errors, amount
        assert "__all__" not in errors, amount
    assert not Claim.objects.exists()


def test_a_good_amount_and_a_bad_file_report_the_file_and_keep_the_amount(client, rider, pension):
    response = client.post(
        reverse("subsidies:new"),
        {
            "month": month_back(1).isoformat(),
            f"paid_{pension.pk}": "520.00",
            "proof": SimpleUploadedFile("notes.txt", b"hello"),
        },
    )
    assert dict(response.context["form"].errors) == {
        "proof": ["notes.txt is neither a photo nor a PDF."]
    }
    assert 'value="520.00"' in response.content.decode()


def test_the_services_rules_for_the_month_come_with_the_files_problem(client, rider):
    # A new insurance type without a policy yet: the service refuses it; said with the proof's.
    nursing = InsuranceType.objects.create(code="nursing", name="护理保险", name_en="Nursing")
    errors = post(
        client,
        month=month_back(1).isoformat(),
        proof=broken_pdf(),
        **{f"paid_{nursing.pk}": "80"},
    )
    assert "proof" in errors and errors["__all__"] == [
        f"There is no subsidy for Nursing in {month_back(1):%Y-%m}."
    ]


def test_a_month_refused_by_the_service_is_reported_on_the_month(client, rider, pension):
    # The rider's tier history starts after the month (promoted to rider late): no tier.
    rider.tier_periods.update(started_on=timezone.localdate().replace(day=1))
    errors = post(
        client,
        month=month_back(1).isoformat(),
        proof=photo_upload(),
        **{f"paid_{pension.pk}": "520"},
    )
    assert errors == {"month": ["You were not a registered rider in that month."]}


def test_the_proof_is_checked_once_and_the_claim_filed(client, rider, pension, monkeypatch):
    calls = []
    real = proofs.process_photo
    monkeypatch.setattr(proofs, "process_photo", lambda upload: calls.append(1) or real(upload))
    response = client.post(
        reverse("subsidies:new"),
        {
            "month": month_back(1).isoformat(),
            f"paid_{pension.pk}": "520",
            "proof": photo_upload(),
        },
    )
    assert response.status_code == 302 and calls == [1]
    claim = Claim.objects.get(rider=rider)
    assert claim.proof.name.endswith(".jpg") and claim.subsidy == Decimal("260.00")


def test_the_month_starts_on_the_last_month_that_can_be_claimed(client, rider, pension):
    def selected():
        html = client.get(reverse("subsidies:new")).content.decode()
        return [m for m in (month_back(n) for n in range(4)) if f'value="{m}" selected' in html]

    assert selected() == [month_back(1)]  # last month, not the month still running
    services.claim_file(
        rider=rider,
        month=month_back(1),
        amounts={pension: Decimal("520")},
        proof=photo_upload(),
    )
    assert selected() == [month_back(2)]
    # Another rider's claims change nothing for this one.
    assert month_back(1) in claimable_months(rider=RiderFactory())


def test_a_rider_who_joined_this_month_starts_on_this_month():
    with time_machine.travel(dt.datetime(2026, 12, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        rider = RiderFactory(joined_on=dt.date(2026, 12, 3))
        months = claimable_months(rider=rider)
        assert months == [dt.date(2026, 12, 1)]
        assert claim_month_default(months=months) == dt.date(2026, 12, 1)
        assert claim_month_default(months=[]) is None
