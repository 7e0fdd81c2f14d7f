"""Managers' admin: own apartments only, offers, check-in/out, dashboard, rent roll, inspection."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from apartments import services
from apartments.models import Application, Bed, ChecklistItem, Inspection, Tenancy
from apartments.selectors import rent_roll
from core.roles import APARTMENT_MANAGER, DISPATCHER
from tests.admin_actions import offered_actions
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds

pytestmark = pytest.mark.django_db


def manager_of(*apartments):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=APARTMENT_MANAGER))
    for apartment in apartments:
        apartment.managers.add(user)
    return user


@pytest.fixture
def mine_and_theirs():
    return apartment_with_beds(4, name="我的公寓"), apartment_with_beds(4, name="别人的公寓")


def test_a_manager_sees_only_their_apartments(client, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client.force_login(manager_of(mine))
    page = client.get(reverse("admin:apartments_apartment_changelist")).content.decode()
    assert "我的公寓" in page and "别人的公寓" not in page
    assert (
        client.get(reverse("admin:apartments_apartment_change", args=[theirs.pk])).status_code
        == 404
    )  # as if it did not exist (core/admin_tenancy.py): not the admin's redirect
    beds = client.get(reverse("admin:apartments_bed_changelist")).content.decode()
    assert "我的公寓" in beds and "别人的公寓" not in beds
    theirs_bed = Bed.objects.filter(apartment=theirs).first()
    response = client.get(reverse("admin:apartments_bed_change", args=[theirs_bed.pk]))
    assert response.status_code == 404
    dashboard = client.get(reverse("admin:apartments_apartment_occupancy")).content.decode()
    assert "我的公寓" in dashboard and "别人的公寓" not in dashboard
    assert (
        client.get(reverse("admin:apartments_apartment_inspect", args=[theirs.pk])).status_code
        == 404
    )


def test_other_staff_cannot_open_the_apartment_admin(client, mine_and_theirs):
    dispatcher = StaffFactory()
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(dispatcher)
    assert client.get(reverse("admin:apartments_apartment_changelist")).status_code == 403
    assert client.get(reverse("admin:apartments_apartment_occupancy")).status_code == 403


def test_fill_all_free_beds_then_check_in_and_out_from_the_admin(client, mine_and_theirs):
    mine, _theirs = mine_and_theirs
    manager = manager_of(mine)
    riders = [RiderFactory() for _ in range(2)]
    for rider in riders:
        services.application_submit(
            rider=rider, apartments=[mine], desired_move_in=timezone.localdate()
        )
    client.force_login(manager)
    client.post(
        reverse("admin:apartments_apartment_changelist"),
        {"action": "fill_free_beds", "_selected_action": [mine.pk]},
    )
    assert Application.objects.filter(status="offered").count() == 2
    for application in Application.objects.filter(status="offered"):
        services.offer_accept(application=application, rider=application.rider)
    tenancy = Tenancy.objects.first()
    changelist = reverse("admin:apartments_tenancy_changelist")
    client.post(changelist, {"action": "check_in", "_selected_action": [tenancy.pk]})
    tenancy.refresh_from_db()
    assert tenancy.checked_in_at
    client.post(changelist, {"action": "check_out", "_selected_action": [tenancy.pk]})
    tenancy.refresh_from_db()
    assert tenancy.ended_on and services.free_beds(mine).count() == 3


def test_offer_a_bed_to_the_next_in_line_from_the_bed_list(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    rider = RiderFactory()
    services.application_submit(
        rider=rider, apartments=[mine], desired_move_in=timezone.localdate()
    )
    client.force_login(manager_of(mine))
    bed = services.free_beds(mine).first()
    client.post(
        reverse("admin:apartments_bed_changelist"),
        {"action": "offer_to_next", "_selected_action": [bed.pk]},
    )
    assert Application.objects.get(rider=rider).offered_bed == bed


def test_occupancy_dashboard_counts(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    riders = [RiderFactory() for _ in range(3)]
    for rider in riders:
        services.application_submit(
            rider=rider, apartments=[mine], desired_move_in=timezone.localdate()
        )
    offered = services.beds_fill(apartment=mine, by=None)
    services.offer_accept(application=offered[0], rider=offered[0].rider)
    services.application_submit(
        rider=RiderFactory(), apartments=[mine], desired_move_in=timezone.localdate()
    )
    client.force_login(manager_of(mine))
    response = client.get(reverse("admin:apartments_apartment_occupancy"))
    row = response.context["rows"][0]
    assert (row.beds, row.occupied, row.offered, row.free, row.waiting) == (4, 1, 2, 1, 1)
    assert row.average_wait_days == 0.0 and row.inspection_overdue


def test_rent_roll_prorates_by_days_and_exports_csv(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    beds = list(Bed.objects.filter(apartment=mine))
    full, half = RiderFactory(rider_number="QD1"), RiderFactory(rider_number="QD2")
    Tenancy.objects.create(
        bed=beds[0], rider=full, monthly_rent=Decimal("300"), starts_on=dt.date(2026, 10, 1)
    )
    Tenancy.objects.create(
        bed=beds[1],
        rider=half,
        monthly_rent=Decimal("310"),
        starts_on=dt.date(2026, 10, 20),
        ended_on=dt.date(2026, 11, 4),
    )
    lines = rent_roll(month=dt.date(2026, 11, 1), apartments=mine.__class__.objects.all())
    assert [(line.rider_number, line.days, line.amount) for line in lines] == [
        ("QD1", 30, Decimal("300.00")),
        ("QD2", 4, Decimal("41.33")),
    ]
    client.force_login(manager_of(mine))
    response = client.get(reverse("admin:apartments_apartment_rent_roll"), {"month": "2026-11"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "amount_yuan" and rows[2][-1] == "41.33"
    bad = client.get(reverse("admin:apartments_apartment_rent_roll"), {"month": "nope"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_record_an_inspection_item_by_item(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(manager_of(mine))
    items = list(ChecklistItem.objects.filter(is_active=True))
    data = {"inspected_on": timezone.localdate().isoformat(), "notes": "整体良好"}
    for item in items:
        data[f"pass_{item.pk}"] = "on"
        data[f"note_{item.pk}"] = ""
    del data[f"pass_{items[0].pk}"]
    data[f"note_{items[0].pk}"] = "3 张床垫未发"
    response = client.post(reverse("admin:apartments_apartment_inspect", args=[mine.pk]), data)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert not inspection.passed and inspection.results.count() == len(items)
    future = {**data, "inspected_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}
    response = client.post(reverse("admin:apartments_apartment_inspect", args=[mine.pk]), future)
    assert response.status_code == 200 and Inspection.objects.count() == 1


def test_issue_mattresses_from_the_bed_list(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(manager_of(mine))
    beds = list(Bed.objects.filter(apartment=mine).values_list("pk", flat=True))
    client.post(
        reverse("admin:apartments_bed_changelist"),
        {"action": "issue_mattress", "_selected_action": beds},
    )
    assert not Bed.objects.filter(apartment=mine, mattress_issued_on__isnull=True).exists()


def test_issuing_mattresses_needs_the_change_permission_on_beds(client, mine_and_theirs):
    """Before, anyone who could view beds could run it: the action was unguarded."""
    from django.contrib.auth.models import Permission

    mine, _ = mine_and_theirs
    viewer = StaffFactory()
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="apartments", codename__in=["view_bed", "view_apartment"]
        )
    )
    mine.managers.add(viewer)
    client.force_login(viewer)
    changelist = reverse("admin:apartments_bed_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    offered = offered_actions(page)
    assert "issue_mattress" not in offered and "offer_to_next" not in offered
    beds = list(Bed.objects.filter(apartment=mine).values_list("pk", flat=True))
    client.post(changelist, {"action": "issue_mattress", "_selected_action": beds})
    assert not Bed.objects.filter(apartment=mine, mattress_issued_on__isnull=False).exists()

    client.force_login(manager_of(mine))
    offered = offered_actions(client.get(changelist))
    assert "issue_mattress" in offered and "offer_to_next" in offered


def test_filling_beds_needs_the_change_permission_on_applications(client, mine_and_theirs):
    from django.contrib.auth.models import Permission

    mine, _ = mine_and_theirs
    services.application_submit(
        rider=RiderFactory(), apartments=[mine], desired_move_in=timezone.localdate()
    )
    viewer = StaffFactory()
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="apartments",
            codename__in=["view_apartment", "change_apartment", "view_application"],
        )
    )
    mine.managers.add(viewer)
    client.force_login(viewer)
    client.post(
        reverse("admin:apartments_apartment_changelist"),
        {"action": "fill_free_beds", "_selected_action": [mine.pk]},
    )
    assert not Application.objects.filter(status="offered").exists()
