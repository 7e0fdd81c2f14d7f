"""Admin screens for rewards: catalogue, codes, adjustments, validation by dispatchers."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import CANTEEN_OPERATOR, CENTRE_ADMIN, DISPATCHER, SUBSIDY_REVIEWER
from governance import workflow
from rewards import services
from rewards.models import Award, Benefit, LedgerEntry, PointsAccount
from tests.factories import (
    BenefitFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    give_points,
    photo_upload,
)

pytestmark = pytest.mark.django_db


def staff_in(group: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


def test_dispatcher_validates_from_the_dispatch_queue(client, django_capture_on_commit_callbacks):
    report = workflow.to_dispatcher(ReportFactory())
    client.force_login(staff_in(DISPATCHER))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:governance_report_changelist"),
            {"action": "validate", "_selected_action": [report.pk], "reason": "现场核实"},
        )
    assert response.status_code == 302
    assert Award.objects.filter(report=report).count() == 2
    assert PointsAccount.objects.get(rider=report.rider).balance == 10


def test_centre_admin_adds_a_benefit_with_a_picture(client):
    client.force_login(staff_in(CENTRE_ADMIN))
    response = client.post(
        reverse("admin:rewards_benefit_add"),
        {
            "name": "骑手食堂午餐券",
            "name_en": "Canteen lunch voucher",
            "kind": "meal",
            "description": "任一骑手食堂套餐一份",
            "description_en": "",
            "provider": "李沧骑手食堂",
            "points_price": "30",
            "stock": "",
            "per_rider_limit": "4",
            "active_from": "2026-01-01",
            "active_until": "",
            "picture": photo_upload(size=(1200, 900)),
            "is_active": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    benefit = Benefit.objects.get()
    assert benefit.stock is None and benefit.picture.width <= 320
    assert client.get(reverse("rewards:benefit_picture", args=[benefit.pk])).status_code == 200


def test_bad_benefit_dates_are_a_form_error(client):
    client.force_login(staff_in(CENTRE_ADMIN))
    response = client.post(
        reverse("admin:rewards_benefit_add"),
        {
            "name": "x",
            "kind": "meal",
            "provider": "y",
            "points_price": "0",
            "active_from": "2026-02-01",
            "active_until": "2026-01-01",
            "sort_order": "0",
        },
    )
    assert response.status_code == 200 and not Benefit.objects.exists()


def test_centre_admin_adjusts_points_with_a_reason(client):
    rider = RiderFactory(rider_number="QD777")
    client.force_login(staff_in(CENTRE_ADMIN))
    url = reverse("admin:rewards_ledgerentry_adjust")
    response = client.post(url, {"rider": "QD777", "points": "25", "reason": "活动奖励"})
    assert response.status_code == 302
    assert PointsAccount.objects.get(rider=rider).balance == 25
    response = client.post(url, {"rider": "QD777", "points": "-26", "reason": "更正"})
    assert response.status_code == 200 and response.context["form"].errors["points"]
    response = client.post(url, {"rider": "NOBODY", "points": "5", "reason": "x"})
    assert response.context["form"].errors["rider"]
    assert LedgerEntry.objects.count() == 1


def test_reviewers_see_but_cannot_adjust_the_ledger(client):
    client.force_login(staff_in(SUBSIDY_REVIEWER))
    assert client.get(reverse("admin:rewards_ledgerentry_changelist")).status_code == 200
    assert client.get(reverse("admin:rewards_ledgerentry_adjust")).status_code == 403


def test_canteen_operator_marks_codes_used_but_cannot_cancel(client):
    rider = RiderFactory()
    give_points(rider, 100)
    first = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    client.force_login(staff_in(CANTEEN_OPERATOR))
    changelist = reverse("admin:rewards_redemption_changelist")
    assert client.get(changelist, {"q": first.code}).status_code == 200
    client.post(changelist, {"action": "mark_used", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == "used"
    second = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    client.post(changelist, {"action": "cancel_and_refund", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.status == "issued"  # the action is not offered to operators


def test_centre_admin_cancels_and_refunds(client):
    rider = RiderFactory()
    give_points(rider, 100)
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    client.force_login(staff_in(CENTRE_ADMIN))
    client.post(
        reverse("admin:rewards_redemption_changelist"),
        {"action": "cancel_and_refund", "_selected_action": [redemption.pk]},
    )
    redemption.refresh_from_db()
    assert redemption.status == "cancelled"
    assert PointsAccount.objects.get(rider=rider).balance == 100


@pytest.mark.parametrize(
    "name",
    [
        "admin:rewards_award_changelist",
        "admin:rewards_pointsaccount_changelist",
        "admin:rewards_ledgerentry_changelist",
        "admin:rewards_benefit_changelist",
        "admin:rewards_redemption_changelist",
        "admin:rewards_honour_changelist",
        "admin:payouts_payoutbatch_changelist",
    ],
)
def test_admin_lists_render_with_search(client, name):
    rider = RiderFactory()
    give_points(rider, 50)
    services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(reverse(name), {"q": "QD"}).status_code == 200
