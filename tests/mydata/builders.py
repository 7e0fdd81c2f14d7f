"""A rider with records of every kind the portal holds (core/personal_data.py), for the export
and closure tests."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from apartments import services as apartments
from canteen import services as canteen
from core.services import notification_post
from governance.models import FixAnswer, ReportPhoto, ReportQuestion, ReportSupporter
from growth import services as growth
from growth.models import Attendance
from payouts.models import PayoutBatch
from rewards import services as rewards
from rewards.models import Award, Honour
from riders import services as riders
from riders.models import CityMove, SMSOptOut
from subsidies import services as subsidies
from subsidies.models import InsuranceType
from tests.factories import (
    BenefitFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    apartment_with_beds,
    canteen_with_meal,
    course_with_sessions,
    give_points,
    jinan,
    jpeg_bytes,
    photo_upload,
    qingdao_district,
    validated_report,
)
from volunteering.models import Activity, SignUp, Team


@dataclass
class Everything:
    rider: object
    report: object
    other_report: object
    tenancy: object
    claim: object
    order: object
    enrolment: object
    sign_up: object
    team: object
    honour: object
    extra: dict = field(default_factory=dict)


def _jpeg(name: str, color: str = "orange") -> ContentFile:
    return ContentFile(jpeg_bytes(size=(40, 30), color=color), name=name)


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def rider_with_everything(*, settled: bool = True, **rider_fields) -> Everything:
    """A rider with at least one row of every holding and files where a holding has files.
    `settled`: nothing blocks closing the account (the tenancy ended, the claim decided and
    paid…); else the rider has a bed, a claim in review, an order to pick up."""
    staff = StaffFactory()
    rider = RiderFactory(**rider_fields)
    other = RiderFactory()

    # riders: tier history, SMS turned off, a city move, sign-ins; core: the inbox.
    riders.rider_set_tier(rider=rider, tier="honour")
    SMSOptOut.objects.create(rider=rider, kind="policy_notice")
    CityMove.objects.create(
        rider=rider,
        from_district=jinan("lixia"),
        to_district=qingdao_district(),
        moved_by=staff,
        reason="搬家到青岛",
    )
    riders.sign_in_record(
        rider=rider, channel="sms", ip_address="203.0.113.7", user_agent="Mozilla/5.0 (Phone)"
    )
    notification_post(recipient=rider.user, title="欢迎", body="欢迎使用骑手驿站")

    # governance: a validated report with a photo (cash/points awards come with it), a report
    # of another rider the rider joined, a check of a fix with a photo, a question answered.
    report = validated_report(rider=rider)
    if settled:
        # Cash rewards paid (an unpaid one blocks closure).
        batch = PayoutBatch.objects.create(
            number=f"T{PayoutBatch.objects.count() + 1:05d}",
            source="reward",
            city=report.district.city,
            month=last_month(),
            status="paid",
            created_by=staff,
            approved_at=timezone.now(),
            paid_at=timezone.now(),
        )
        Award.objects.filter(rider=rider, kind="cash").update(batch=batch)
    ReportPhoto.objects.create(
        report=report, position=1, image=_jpeg("p.jpg"), thumbnail=_jpeg("t.jpg")
    )
    FixAnswer.objects.create(
        report=report,
        rider=rider,
        round=0,
        outcome="fixed",
        satisfaction="satisfied",
        comment="修好了",
        photo=_jpeg("a.jpg", "green"),
        thumbnail=_jpeg("at.jpg", "green"),
    )
    now = timezone.now()
    ReportQuestion.objects.create(
        report=report,
        position=1,
        department=report.department,
        text="具体在几楼？",
        asked_at=now - dt.timedelta(hours=2),
        answer_by=now + dt.timedelta(hours=22),
        answer="三楼",
        answered_at=now - dt.timedelta(hours=1),
        photo=_jpeg("q.jpg", "blue"),
        thumbnail=_jpeg("qt.jpg", "blue"),
    )
    other_report = ReportFactory(rider=other, description="另一位骑手的报告")
    ReportPhoto.objects.create(
        report=other_report, position=1, image=_jpeg("o.jpg", "red"), thumbnail=_jpeg("ot.jpg")
    )
    ReportSupporter.objects.create(report=other_report, rider=rider)
    # Another rider joined the rider's own report: never in the rider's export.
    ReportSupporter.objects.create(report=report, rider=other)

    # rewards: points credited, a benefit redeemed, an honour with a photo.
    give_points(rider, 100)
    rewards.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    honour = Honour.objects.create(
        rider=rider,
        kind="bravery",
        title="见义勇为",
        story="救起落水儿童",
        honoured_on=dt.date(2026, 5, 1),
        photo=_jpeg("h.jpg", "yellow"),
    )

    # canteen: an order, collected when settled.
    meal = canteen_with_meal()
    order = canteen.meal_order_place(rider=rider, set_meal_id=meal.pk)
    if settled:
        order = canteen.meal_order_collect(canteen=meal.canteen, code=order.pickup_code, by=staff)

    # apartments: an application accepted and a stay, ended when settled.
    apartment = apartment_with_beds(2)
    application = apartments.application_submit(
        rider=rider, apartments=[apartment], desired_move_in=timezone.localdate()
    )
    apartments.bed_offer(bed=apartment.beds.first(), by=staff)
    application.refresh_from_db()
    tenancy = apartments.offer_accept(application=application, rider=rider)
    if settled:
        tenancy = apartments.tenancy_check_out(tenancy=tenancy, by=staff)

    # subsidies: a claim with a line and a proof; decided (rejected) when settled.
    claim = subsidies.claim_file(
        rider=rider,
        month=last_month(),
        amounts={InsuranceType.objects.get(code="pension"): Decimal("520.00")},
        proof=photo_upload(),
    )
    if settled:
        claim = subsidies.claim_reject(claim=claim, reviewer=staff, reason="收据不清楚")

    # growth: an enrolment with attendance marked.
    course = course_with_sessions()
    enrolment = growth.enrolment_create(rider=rider, course_id=course.pk)
    Attendance.objects.create(
        session=course.sessions.first(), enrolment=enrolment, present=True, marked_by=staff
    )

    # volunteering: a member of another rider's team, an activity attended with hours.
    team = Team.objects.create(name="青年志愿队", leader=other, founded_on=dt.date(2022, 1, 1))
    team.members.add(rider, other)
    activity = Activity.objects.create(
        team=team,
        title="敬老院探访",
        date=timezone.localdate() - dt.timedelta(days=3),
        place="李沧区",
        hours=Decimal("3.0"),
        capacity=10,
    )
    sign_up = SignUp.objects.create(
        activity=activity, rider=rider, status="attended", verified_hours=Decimal("3.0")
    )
    SignUp.objects.create(activity=activity, rider=other, status="attended")
    return Everything(
        rider=rider,
        report=report,
        other_report=other_report,
        tenancy=tenancy,
        claim=claim,
        order=order,
        enrolment=enrolment,
        sign_up=sign_up,
        team=team,
        honour=honour,
        extra={"other": other, "staff": staff},
    )
