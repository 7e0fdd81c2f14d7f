"""Apply → offer → accept | decline | expire; check-in/out; the invariants in the database."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apartments import services
from apartments.models import Application, Bed, Tenancy
from apartments.services import ApartmentError
from core.models import Notification
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds

pytestmark = pytest.mark.django_db


def soon() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


def apply(rider, *apartments, move_in=None) -> Application:
    return services.application_submit(
        rider=rider, apartments=apartments, desired_move_in=move_in or soon()
    )


def test_riders_are_offered_beds_in_the_order_they_applied():
    apartment = apartment_with_beds(2)
    first, second, third = (apply(RiderFactory(), apartment) for _ in range(3))
    manager = StaffFactory()
    beds = list(services.free_beds(apartment))
    assert services.bed_offer(bed=beds[0], by=manager) == first
    assert services.bed_offer(bed=beds[1], by=manager).pk == second.pk
    first.refresh_from_db()
    assert first.status == "offered" and first.offered_bed == beds[0]
    assert first.offer_expires_at - first.offered_at == dt.timedelta(hours=48)
    assert not services.free_beds(apartment).exists()
    third.refresh_from_db()
    assert third.status == "waiting"
    assert Notification.objects.filter(recipient=first.rider.user, link="/apartments/mine/")


def test_accepting_starts_a_tenancy_at_the_signing_rent():
    apartment = apartment_with_beds(2, rent="280.50")
    rider = RiderFactory()
    application = apply(rider, apartment)
    bed = services.free_beds(apartment).first()
    services.bed_offer(bed=bed, by=StaffFactory())
    application.refresh_from_db()
    tenancy = services.offer_accept(application=application, rider=rider)
    assert tenancy.bed == bed and str(tenancy.monthly_rent) == "280.50"
    assert tenancy.starts_on == soon() and tenancy.is_current
    application.refresh_from_db()
    assert application.status == "accepted"
    with pytest.raises(ApartmentError):
        services.offer_accept(application=application, rider=rider)


def test_declining_passes_the_bed_to_the_next_rider():
    apartment = apartment_with_beds(1)
    first, second = apply(RiderFactory(), apartment), apply(RiderFactory(), apartment)
    bed = services.free_beds(apartment).get()
    services.bed_offer(bed=bed, by=StaffFactory())
    services.offer_decline(application=first, rider=first.rider)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "declined" and second.status == "offered"
    assert second.offered_bed == bed


def test_cancelling_an_offered_application_passes_the_bed_on():
    apartment = apartment_with_beds(1)
    first, second = apply(RiderFactory(), apartment), apply(RiderFactory(), apartment)
    services.bed_offer(bed=services.free_beds(apartment).get(), by=None)
    services.application_cancel(application=first, rider=first.rider)
    second.refresh_from_db()
    assert second.status == "offered"


def test_an_unanswered_offer_expires_and_the_bed_goes_to_the_next():
    apartment = apartment_with_beds(1)
    first, second = apply(RiderFactory(), apartment), apply(RiderFactory(), apartment)
    services.bed_offer(bed=services.free_beds(apartment).get(), by=None)
    assert services.offers_expire() == 0  # not yet
    later = timezone.now() + dt.timedelta(hours=48, seconds=1)
    assert services.offers_expire(now=later) == 1
    assert services.offers_expire(now=later) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "expired" and second.status == "offered"
    with pytest.raises(ApartmentError):
        services.offer_accept(application=first, rider=first.rider)


def test_accepting_after_the_deadline_but_before_the_sweep_is_refused():
    apartment = apartment_with_beds(1)
    rider = RiderFactory()
    application = apply(rider, apartment)
    services.bed_offer(bed=services.free_beds(apartment).get(), by=None)
    Application.objects.filter(pk=application.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ApartmentError) as refused:
        services.offer_accept(application=application, rider=rider)
    assert refused.value.code == "offer_expired"
    assert not Tenancy.objects.exists()


def test_rooms_for_women_are_offered_to_the_first_woman_in_line():
    apartment = apartment_with_beds(1, gender="female")
    man = apply(RiderFactory(gender="male"), apartment)
    unknown = apply(RiderFactory(), apartment)
    woman = apply(RiderFactory(gender="female"), apartment)
    assert services.bed_offer(bed=services.free_beds(apartment).get(), by=None) == woman
    man.refresh_from_db()
    unknown.refresh_from_db()
    assert man.status == unknown.status == "waiting"


def test_nobody_in_line_means_no_offer():
    apartment = apartment_with_beds(1)
    assert services.bed_offer(bed=services.free_beds(apartment).get(), by=None) is None


def test_fill_all_free_beds_in_order():
    apartment = apartment_with_beds(3)
    other = apartment_with_beds(1)
    applications = [apply(RiderFactory(), apartment) for _ in range(5)]
    apply(RiderFactory(), other)
    offered = services.beds_fill(apartment=apartment, by=StaffFactory())
    assert [a.pk for a in offered] == [a.pk for a in applications[:3]]
    assert len({a.offered_bed_id for a in offered}) == 3
    assert services.beds_fill(apartment=apartment, by=None) == []
    assert Notification.objects.filter(link="/apartments/mine/").count() == 3


def test_check_in_and_check_out_free_the_bed_at_once():
    apartment = apartment_with_beds(1)
    rider = RiderFactory()
    manager = StaffFactory()
    application = apply(rider, apartment, move_in=timezone.localdate())
    services.bed_offer(bed=services.free_beds(apartment).get(), by=manager)
    tenancy = services.offer_accept(application=application, rider=rider)
    services.tenancy_check_in(tenancy=tenancy, by=manager)
    with pytest.raises(ApartmentError):
        services.tenancy_check_in(tenancy=tenancy, by=manager)  # only once
    tenancy.refresh_from_db()
    assert tenancy.checked_in_at and tenancy.checked_in_by == manager
    assert not services.free_beds(apartment).exists()
    colleague = StaffFactory()
    tenancy = services.tenancy_check_out(tenancy=tenancy, by=colleague)
    assert tenancy.ended_on == timezone.localdate() and tenancy.checked_out_at
    assert tenancy.checked_out_by == colleague
    assert services.free_beds(apartment).count() == 1
    with pytest.raises(ApartmentError):
        services.tenancy_check_out(tenancy=tenancy, by=manager)
    apply(rider, apartment)  # housed no longer: may apply again


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("past", "date_in_past"),
        ("far", "date_too_far"),
        ("not_operating", "apartment_not_operating"),
        ("inactive", "rider_inactive"),
        ("none", "no_apartment"),
    ],
)
def test_bad_applications_are_refused_with_a_reason(case, code):
    rider = RiderFactory(is_active=case != "inactive")
    apartment = apartment_with_beds(
        1, status="surveying" if case == "not_operating" else "operating"
    )
    move_in = {
        "past": timezone.localdate() - dt.timedelta(days=1),
        "far": timezone.localdate() + dt.timedelta(days=181),
    }.get(case, soon())
    with pytest.raises(ApartmentError) as refused:
        services.application_submit(
            rider=rider, apartments=[] if case == "none" else [apartment], desired_move_in=move_in
        )
    assert refused.value.code == code
    assert not Application.objects.exists()


def test_applying_twice_or_while_housed_is_refused():
    apartment = apartment_with_beds(2)
    rider = RiderFactory()
    application = apply(rider, apartment)
    with pytest.raises(ApartmentError) as refused:
        apply(rider, apartment)
    assert refused.value.code == "already_applied"
    services.bed_offer(bed=services.free_beds(apartment).first(), by=None)
    services.offer_accept(application=application, rider=rider)
    with pytest.raises(ApartmentError) as refused:
        apply(rider, apartment)
    assert refused.value.code == "housed"


def test_a_rider_cannot_answer_someone_elses_offer():
    apartment = apartment_with_beds(1)
    application = apply(RiderFactory(), apartment)
    services.bed_offer(bed=services.free_beds(apartment).get(), by=None)
    with pytest.raises(ApartmentError):
        services.offer_accept(application=application, rider=RiderFactory())


def test_offering_a_bed_of_a_closed_apartment_or_an_inactive_bed_is_refused():
    apartment = apartment_with_beds(2)
    apply(RiderFactory(), apartment)
    bed = services.free_beds(apartment).first()
    Bed.objects.filter(pk=bed.pk).update(is_active=False)
    with pytest.raises(ApartmentError):
        services.bed_offer(bed=bed, by=None)


def test_the_database_holds_the_invariants():
    apartment = apartment_with_beds(2)
    bed, other_bed = list(Bed.objects.filter(apartment=apartment))
    rider, other = RiderFactory(), RiderFactory()
    today = timezone.localdate()
    Tenancy.objects.create(bed=bed, rider=rider, monthly_rent=300, starts_on=today)
    for duplicate in (
        lambda: Tenancy.objects.create(bed=bed, rider=other, monthly_rent=300, starts_on=today),
        lambda: Tenancy.objects.create(
            bed=other_bed, rider=rider, monthly_rent=300, starts_on=today
        ),
        lambda: Tenancy.objects.create(
            bed=other_bed,
            rider=other,
            monthly_rent=300,
            starts_on=today,
            ended_on=today - dt.timedelta(days=1),
        ),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate()
    Application.objects.create(rider=other, desired_move_in=today)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(rider=other, desired_move_in=today)
    now = timezone.now()
    offer = {
        "status": "offered",
        "offered_bed": other_bed,
        "offered_at": now,
        "offer_expires_at": now,
    }
    Application.objects.create(rider=RiderFactory(), desired_move_in=today, **offer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(rider=RiderFactory(), desired_move_in=today, **offer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(rider=RiderFactory(), desired_move_in=today, status="offered")
