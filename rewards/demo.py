"""Demo rewards: a benefits catalogue, last month's validated reports with their awards, an
approved payout batch, and a published honour roll. Run through `manage.py seed_demo`."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.models import City, User
from governance import services as report_services
from governance import workflow
from governance.models import Category, Report
from payouts import services as payouts
from payouts.models import Source
from riders.models import Rider

from . import services
from .models import Award, Benefit, Honour

# kind, Chinese, English, provider, points, stock, per-rider limit, colour, description
BENEFITS = [
    (
        "meal",
        "骑手食堂套餐券",
        "Canteen set-meal voucher",
        "青岛骑手食堂（任一门店）",
        30,
        500,
        4,
        "#ef6c00",
        "凭码在任一骑手食堂领取一份当日套餐。",
    ),
    (
        "data",
        "5GB 手机流量包",
        "5 GB mobile data",
        "青岛移动",
        50,
        None,
        2,
        "#1565c0",
        "兑换后 24 小时内充值到登记手机号。",
    ),
    (
        "ebike",
        "电动车保养一次",
        "E-bike service",
        "李沧骑手公寓维修点",
        80,
        100,
        2,
        "#2e7d32",
        "检查刹车、轮胎和电池，更换易损件工时免费。",
    ),
    (
        "mattress",
        "床垫升级",
        "Mattress upgrade",
        "骑手公寓管理处",
        200,
        20,
        1,
        "#6a1b9a",
        "公寓住户可将床垫升级为加厚护脊款。",
    ),
]

# rider number, reports validated last month (the top reporters), with invented stories below
LAST_MONTH = [("QD100001", 5), ("QD100002", 3), ("QD100003", 2), ("QD100006", 1)]
STORIES = [
    (
        "QD100003",
        Honour.Kind.STATION_LEAD,
        "从骑手到站长",
        "From rider to station lead",
        "赵长风跑单五年，带出十二名新骑手，今年晋升为麦岛站站长。",
        "Five years on the road and twelve new riders trained: this year he leads Maidao station.",
    ),
    (
        "QD100005",
        Honour.Kind.BRAVERY,
        "雨夜救人",
        "A rescue on a rainy night",
        "刘一帆送餐途中发现落水老人，跳入河中将其救起并送医。",
        "On a delivery he saw an elderly man in the river, jumped in and brought him to hospital.",
    ),
    (
        "QD100002",
        Honour.Kind.COMMUNITY_HERO,
        "社区侠",
        "Community hero",
        "李青禾一年上报楼道隐患四十余处，被平台评为社区侠。",
        "She reported more than forty stairwell hazards in a year; the platform named her a "
        "community hero.",
    ),
]


JINAN_BENEFIT = (
    "meal",
    "济南泉城骑手驿站午餐券",
    "Jinan Quancheng rider station lunch voucher",
    "济南泉城骑手驿站",
    25,
    200,
    4,
    "#00695c",
    "济南骑手专享：泉城路骑手驿站午餐一份。",
)


def _picture(colour: str) -> ContentFile:
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).ellipse([100, 60, 220, 180], outline="white", width=10)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name="benefit.jpg")


def seed(stdout) -> None:
    today = timezone.localdate()
    for kind, name, name_en, provider, points, stock, limit, colour, text in BENEFITS:
        if Benefit.objects.filter(name=name).exists():
            continue
        benefit = Benefit(
            kind=kind,
            name=name,
            name_en=name_en,
            provider=provider,
            points_price=points,
            stock=stock,
            per_rider_limit=limit,
            active_from=today.replace(month=1, day=1),
            description=text,
        )
        benefit.picture.save("benefit.jpg", _picture(colour), save=False)
        benefit.save()
    # Jinan's own benefit next to the national catalogue (issue 19).
    jinan = City.objects.filter(code="jinan").first()
    if jinan is not None and not Benefit.objects.filter(name=JINAN_BENEFIT[1]).exists():
        kind, name, name_en, provider, points, stock, limit, colour, text = JINAN_BENEFIT
        benefit = Benefit(
            city=jinan,
            kind=kind,
            name=name,
            name_en=name_en,
            provider=provider,
            points_price=points,
            stock=stock,
            per_rider_limit=limit,
            active_from=today.replace(month=1, day=1),
            description=text,
        )
        benefit.picture.save("benefit.jpg", _picture(colour), save=False)
        benefit.save()
    stdout.write(f"Benefits catalogue: {Benefit.objects.count()} benefits")

    riders = {r.rider_number: r for r in Rider.objects.filter(rider_number__startswith="QD1000")}
    if not riders or Honour.objects.exists():
        stdout.write("Demo rewards already present")
        return
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    _validated_last_month(riders, last_month)
    # Reports validated earlier in the demo (the resolved one) earn their awards now too.
    for report_id in Report.objects.filter(validated_at__isnull=False).values_list("pk", flat=True):
        services.report_awards_grant(report_id=report_id)

    admin = User.objects.get(username="admin")
    reviewer = User.objects.get(username="reviewer")
    # Four eyes: the reviewer puts the batch together, the centre admin approves it.
    batch = payouts.batch_create(source=Source.REWARD, month=last_month, by=reviewer)
    payouts.batch_approve(batch=batch, by=admin)
    for honour in services.honours_propose_top_reporters(month=last_month):
        services.honour_publish(honour=honour, by=admin)
    for number, kind, title, title_en, story, story_en in STORIES:
        honour = Honour.objects.create(
            rider=riders[number],
            kind=kind,
            title=title,
            title_en=title_en,
            story=story,
            story_en=story_en,
            honoured_on=today - dt.timedelta(days=20),
        )
        services.honour_publish(honour=honour, by=admin)
    stdout.write(
        f"Rewards: {Award.objects.count()} awards, payout batch {batch.number} approved "
        f"(¥{batch.total}), {Honour.objects.count()} honours on the roll"
    )


def _validated_last_month(riders: dict[str, Rider], last_month: dt.date) -> None:
    """Reports resolved by their department last month and confirmed by their rider, dated so
    (awards included)."""
    stairwell = Category.objects.get(code="stairwell-clutter")
    when = timezone.make_aware(dt.datetime.combine(last_month.replace(day=10), dt.time(15)))
    for number, count in LAST_MONTH:
        rider = riders[number]
        for n in range(count):
            report = report_services.report_submit(
                rider=rider,
                category=stairwell,
                description=f"楼道堆放杂物，第 {n + 1} 处",
                district=rider.district,
                latitude=rider.district.latitude + Decimal(n) / 500,
                longitude=rider.district.longitude + Decimal(n) / 500,
                address=f"{rider.district.name}演示路 {n + 1} 号",
                photos=[],
                require_photo=False,
            )
            department = report_services.department_for(
                category=stairwell, district=report.district
            )
            report = workflow.route(report, department=department)
            report = workflow.resolve(report, department=department, reply="已通知物业清理。")
            workflow.confirm(report)  # the rider checked it last month
            Report.objects.filter(pk=report.pk).update(
                created_at=when, routed_at=when, closed_at=when, validated_at=when
            )
            services.report_awards_grant(report_id=report.pk)
            Award.objects.filter(report=report).update(created_at=when)
