"""Every portal page, HTML + CSS + JS uncompressed, stays under 60 KB (cheap phones, weak
signal). Figures for docs/benchmarks.md come from bench/page_weight.py."""

import pytest
from django.test import Client

from apartments.models import Facility
from canteen.services import meal_order_place
from core.page_weight import BUDGET_BYTES, page_weight
from governance import workflow
from rewards.services import benefit_redeem
from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    give_points,
    merchant,
)

pytestmark = pytest.mark.django_db


def test_sign_in_pages_are_within_budget(client, sms_outbox):
    assert page_weight(client, "/sign-in/").total < BUDGET_BYTES
    rider = RiderFactory()
    client.post("/sign-in/", {"phone": rider.phone})
    assert page_weight(client, "/sign-in/code/").total < BUDGET_BYTES


def test_rider_pages_are_within_budget(client: Client):
    rider = RiderFactory()
    department = DepartmentFactory()
    for n in range(20):
        workflow.route(ReportFactory(rider=rider, latitude=36 + n / 100), department=department)
    for _ in range(30):
        give_points(rider, 100)  # a full page of history
    benefit = BenefitFactory(stock=10, per_rider_limit=3)
    for _ in range(20):
        BenefitFactory()
    benefit_redeem(rider=rider, benefit_id=benefit.pk)
    for n in range(5):
        apartment_with_beds(6, name=f"公寓{n}").facilities.set(Facility.objects.all()[:4])
    for n in range(3):
        canteen_meal = canteen_with_meal(name=f"食堂{n}")
    meal_order_place(rider=rider, set_meal_id=canteen_meal.pk)
    for n in range(20):
        merchant(lat=f"{36.16 + n / 2000:.6f}", open_24h=n % 2 == 0, discount_note="骑手九折")
    client.force_login(rider.user)
    report = rider.reports.first()
    for path in (
        "/",
        "/services/",
        "/report/",
        "/reports/",
        f"/reports/{report.public_id}/",
        "/me/",
        "/points/",
        "/benefits/",
        f"/benefits/{benefit.pk}/",
        "/redemptions/",
        "/honours/",
        "/apartments/",
        "/apartments/apply/",
        "/apartments/mine/",
        "/canteens/",
        "/canteens/orders/",
        "/nearby/?service=toilet&lat=36.16&lng=120.43",
        "/subsidy/",
        "/subsidy/new/",
        "/courses/",
        "/volunteering/",
    ):
        weight = page_weight(client, path)
        assert weight.total < BUDGET_BYTES, weight
