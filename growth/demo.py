"""Demo courses of the golden growth plan, with sessions. Run through `manage.py seed_demo`."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core.models import City

from .models import Course, Session

# title, English, category, provider, hours, seats, required sessions, place
COURSES = [
    (
        "电动车安全驾驶",
        "Safe e-bike riding",
        "safety",
        "青岛市交警支队",
        "4",
        60,
        1,
        "骑手服务中心 2 楼教室",
    ),
    (
        "站长管理实务",
        "Running a delivery station",
        "management",
        "平台骑手学院",
        "12",
        30,
        3,
        "骑手服务中心 3 楼会议室",
    ),
    (
        "西式面点师（初级）",
        "Pastry cook, entry level",
        "vocational",
        "青岛市职业技能培训中心",
        "40",
        25,
        5,
        "市北区职业技能培训中心",
    ),
    ("大专学历提升", "Associate degree upgrade", "degree", "青岛开放大学", "120", 100, 8, ""),
]


def seed(stdout) -> None:
    _seed_jinan(stdout)
    qingdao = City.objects.get(code="qingdao")
    if Course.objects.filter(city=qingdao).exists():
        stdout.write("Demo courses already present")
        return
    start = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=3), dt.time(19, 0))
    )
    for title, title_en, category, provider, hours, seats, required, place in COURSES:
        course = Course.objects.create(
            city=qingdao,
            title=title,
            title_en=title_en,
            category=category,
            provider=provider,
            hours=Decimal(hours),
            seats=seats,
            required_sessions=required,
            description="面向骑手的专属课程，晚间和休息日开课。",
        )
        Session.objects.bulk_create(
            Session(
                course=course,
                starts_at=start + dt.timedelta(days=7 * n),
                ends_at=start + dt.timedelta(days=7 * n, hours=2),
                place=place,
                online_link="" if place else "https://learn.example.cn/rider-degree",
            )
            for n in range(required)
        )
    stdout.write(f"Growth plan: {Course.objects.count()} courses")


def _seed_jinan(stdout) -> None:
    """Jinan's own course (issue 19, invented)."""
    jinan = City.objects.filter(code="jinan").first()
    if jinan is None or Course.objects.filter(city=jinan).exists():
        return
    course = Course.objects.create(
        city=jinan,
        title="泉城骑手急救培训",
        title_en="First aid for Jinan riders",
        category=Course.Category.SAFETY,
        provider="济南市红十字会",
        hours=Decimal("4"),
        seats=30,
        required_sessions=2,
        description="心肺复苏与外伤包扎，两次课。",
    )
    start = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=4), dt.time(19, 30))
    )
    Session.objects.bulk_create(
        Session(
            course=course,
            starts_at=start + dt.timedelta(days=7 * n),
            ends_at=start + dt.timedelta(days=7 * n, hours=2),
            place="市中区骑手驿站",
        )
        for n in range(2)
    )
    stdout.write(f"Jinan course: {course.title}")
