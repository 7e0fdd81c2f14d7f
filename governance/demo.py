"""Demo departments, routing rules and reports in every status. Run through `seed_demo`."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.models import City, District
from riders.models import Rider

from . import services, workflow
from .models import Category, Department, Report, RoutingRule

# code, Chinese name, English name, categories routed there by default
DEPARTMENTS = [
    (
        "qd-fire",
        "青岛市消防救援支队",
        "Qingdao Fire and Rescue",
        ["fire-hazard", "blocked-fire-lane"],
    ),
    (
        "qd-traffic",
        "青岛市公安局交通警察支队",
        "Qingdao Traffic Police",
        ["road-hazard", "traffic-signal-fault"],
    ),
    (
        "qd-market",
        "青岛市市场监督管理局",
        "Qingdao Market Regulation",
        ["unlicensed-food-stall", "food-safety-violation"],
    ),
    (
        "qd-urban",
        "青岛市城市管理局",
        "Qingdao Urban Management",
        ["broken-streetlight", "illegal-flyers", "uncivil-behaviour", "stairwell-clutter"],
    ),
    ("licang-housing", "李沧区住房和城乡建设局", "Licang Housing and Construction", []),
]


def _photo(colour: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (1200, 900), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([300, 250, 900, 650], outline="white", width=12)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed(stdout) -> None:
    qingdao = City.objects.get(code="qingdao")
    departments = {}
    for code, name, name_en, categories in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "city": qingdao}
        )
        for category_code in categories:
            RoutingRule.objects.get_or_create(
                category=Category.objects.get(code=category_code),
                district=None,
                defaults={"department": departments[code]},
            )
    licang = District.objects.get(city=qingdao, code="licang")
    RoutingRule.objects.get_or_create(
        category=Category.objects.get(code="stairwell-clutter"),
        district=licang,
        defaults={"department": departments["licang-housing"]},
    )
    if Report.objects.exists():
        stdout.write("Demo reports already present")
        return
    riders = list(Rider.objects.filter(rider_number__startswith="QD1000").order_by("rider_number"))
    if not riders:
        return
    samples = [
        # category, description, address, lat, lng, what happens next
        (
            "stairwell-clutter",
            "3单元楼道堆满纸箱和旧家具，晚上看不清路",
            "李沧区九水东路 188 号",
            "36.160120",
            "120.437700",
            "resolved",
        ),
        (
            "fire-hazard",
            "电动车在楼道里飞线充电，插线板发烫",
            "市北区台东三路 56 号",
            "36.083400",
            "120.358900",
            "acknowledged",
        ),
        (
            "blocked-fire-lane",
            "小区消防通道被私家车长期占用",
            "崂山区海尔路 1 号附近",
            "36.107900",
            "120.468000",
            "overdue",
        ),
        (
            "unlicensed-food-stall",
            "地铁口有无证烧烤摊，油烟很大",
            "市南区香港中路 76 号",
            "36.066400",
            "120.385600",
            "routed",
        ),
        (
            "road-hazard",
            "井盖缺失，夜里骑车很危险",
            "城阳区正阳路 200 号",
            "36.307000",
            "120.396000",
            "rejected",
        ),
        (
            "broken-streetlight",
            "整条路的路灯都不亮",
            "黄岛区长江中路 88 号",
            "35.961000",
            "120.199000",
            "dispatch",
        ),
        (
            "illegal-flyers",
            "电线杆上贴满小广告",
            "即墨区鹤山路 120 号",
            "36.389000",
            "120.447000",
            "invalid",
        ),
        (
            "stairwell-clutter",
            "同一个楼道，纸箱还在",
            "李沧区九水东路 188 号",
            "36.160150",
            "120.437710",
            "duplicate",
        ),
        (
            "food-safety-violation",
            "餐馆后厨垃圾桶未加盖，苍蝇很多",
            "胶州市福州南路 10 号",
            "36.264000",
            "120.033000",
            "submitted",
        ),
    ]
    colours = ["#8d6e63", "#c62828", "#1565c0", "#6a1b9a", "#2e7d32", "#ef6c00"]
    reports = {}
    for index, (code, text, address, lat, lng, fate) in enumerate(samples):
        rider = riders[index % len(riders)]
        report = services.report_submit(
            rider=rider,
            category=Category.objects.get(code=code),
            description=text,
            district=rider.district if code != "stairwell-clutter" else licang,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            address=address,
            photos=[_photo(colours[index % len(colours)])],
        )
        reports[fate] = report
        if fate == "submitted":
            continue  # left for the worker to route
        if fate == "duplicate":
            workflow.mark_duplicate(report, original=reports["resolved"])
            continue
        if fate in ("dispatch", "invalid"):
            workflow.to_dispatcher(report)
            if fate == "invalid":
                workflow.close_invalid(report, actor=None, reason="照片与描述不符，无法核实")
            continue
        department = services.department_for(category=report.category, district=report.district)
        report = workflow.route(report, department=department)
        if fate in ("acknowledged", "resolved"):
            report = workflow.acknowledge(report, department=department)
        if fate == "resolved":
            workflow.resolve(report, department=department, reply="已通知物业清理，楼道已畅通。")
        if fate == "rejected":
            workflow.reject(report, department=department, reason="该路段井盖归属供水公司")
        if fate == "overdue":
            Report.objects.filter(pk=report.pk).update(
                routed_at=timezone.now() - dt.timedelta(hours=13),
                due_at=timezone.now() - dt.timedelta(hours=1),
                next_check_at=timezone.now() - dt.timedelta(hours=1),
            )
            services.report_deadlines_sweep()
    stdout.write(f"Demo reports: {len(samples)} in every status")
