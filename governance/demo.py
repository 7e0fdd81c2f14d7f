"""Demo departments, routing rules and reports in every status, the closed loop's included (the
rider's check, reopening, supervision, closing by the centre). Run through `seed_demo`.

Every report gets where it is through the real services and state machine, as in production;
only the clock is moved back where the story needs time to have passed."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw

from core.models import City, District, User
from core.staff_auth import DEVICE_NAME
from riders.models import Rider

from . import services, workflow
from .models import (
    Category,
    CityCategory,
    Department,
    FixAnswer,
    Officer,
    Report,
    ReportEvent,
    ResponseTemplate,
    RoutingRule,
    TransferRule,
)

A = FixAnswer.Outcome
H = FixAnswer.Satisfaction

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

# A department's own response templates, next to the shared ones migration 0015 seeds:
# department code, category code, title, body.
TEMPLATES = [
    ("qd-urban", "broken-streetlight", "路灯已修复", "{place}的路灯已于{time}修复，夜间照明恢复。"),
    ("qd-urban", "illegal-flyers", "小广告已清除", "已于{time}清除{place}的小广告，并将持续巡查。"),
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
                city=qingdao,
                defaults={"department": departments[code]},
            )
    for code, category_code, title, body in TEMPLATES:
        ResponseTemplate.objects.get_or_create(
            department=departments[code],
            title=title,
            defaults={"category": Category.objects.get(code=category_code), "body": body},
        )
    licang = District.objects.get(city=qingdao, code="licang")
    RoutingRule.objects.get_or_create(
        category=Category.objects.get(code="stairwell-clutter"),
        district=licang,
        defaults={"department": departments["licang-housing"]},
    )
    riders = list(Rider.objects.filter(rider_number__startswith="QD1000").order_by("rider_number"))
    if not riders:
        _jinan(stdout)
        return
    # Two sets, each seeded once: a database seeded before the closed loop gets its reports too.
    if Report.objects.exists():
        stdout.write("Demo reports already present")
    else:
        count = _every_status(riders, licang)
        stdout.write(f"Demo reports: {count} in every status")
    if Report.objects.filter(description=STORY[2]).exists():
        stdout.write("Closed-loop demo reports already present")
    else:
        count = _closed_loop(riders, licang)
        stdout.write(f"Closed-loop demo reports: {count} (checked, reopened, supervised, closed)")
    _workbench(riders, licang, stdout)
    if Report.objects.filter(description=WORKING[0][2]).exists():
        stdout.write("Demo reports being worked already present")
    else:
        count = _working(riders, departments)
        stdout.write(f"Demo reports being worked: {count} (urgent, transferred, assisted)")
    # Last: Qingdao's sets above are seeded while no report exists yet.
    _jinan(stdout)


def _every_status(riders: list[Rider], licang: District) -> int:
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
        (
            "fire-hazard",
            "地下车库有人私拉电线给电动车充电",
            "李沧区金水路 1000 号",
            "36.172300",
            "120.442100",
            "waiting",
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
        if fate == "waiting":  # the department asked the reporter: the clock is paused
            services.report_ask(
                report=report, department=department, question="请问是几号楼的车库？哪个入口？"
            )
        if fate == "overdue":
            Report.objects.filter(pk=report.pk).update(
                routed_at=timezone.now() - dt.timedelta(hours=13),
                due_at=timezone.now() - dt.timedelta(hours=1),
                next_check_at=timezone.now() - dt.timedelta(hours=1),
            )
            services.report_deadlines_sweep()
    return len(samples)


# The closed loop (闭环, issue 14): rider index, category, description, address, lat, lng, fate.
# Rider 0 is the demo rider (13800000001): the reports waiting for their check, reopened on
# their word and the story below show on their pages.
LOOP = [
    (
        0,
        "broken-streetlight",
        "小区东门的路灯坏了一周，晚上送餐看不清台阶",
        "李沧区书院路 66 号",
        "36.165200",
        "120.421300",
        "waiting",
    ),
    (
        1,
        "illegal-flyers",
        "公交站牌上贴满了小广告",
        "市南区山东路 9 号",
        "36.071800",
        "120.394500",
        "confirmed",
    ),
    (
        2,
        "traffic-signal-fault",
        "路口的红绿灯一直黄灯闪烁",
        "崂山区香港东路 200 号",
        "36.095600",
        "120.467800",
        "by_default",
    ),
    (
        0,
        "unlicensed-food-stall",
        "小区门口的流动烧烤摊占了人行道",
        "李沧区君峰路 30 号",
        "36.171400",
        "120.412600",
        "reopened",
    ),
    (
        3,
        "uncivil-behaviour",
        "有人在绿化带里长期堆放废品",
        "市北区辽宁路 120 号",
        "36.081900",
        "120.345700",
        "supervision",
    ),
    (
        4,
        "road-hazard",
        "人行道地砖大面积松动，电动车经过很危险",
        "黄岛区长江中路 300 号",
        "35.963200",
        "120.203400",
        "closed",
    ),
]
# The story: resolved, "not fixed" with a photo, reopened with a new deadline, resolved
# again with evidence, confirmed 满意 — and the reward paid once (rewards/demo.py grants it).
STORY = (
    0,
    "stairwell-clutter",
    "2号楼2单元楼道堆满纸箱和旧床垫，消防通道被堵",
    "李沧区京口路 28 号",
    "36.158600",
    "120.431900",
    "story",
)


def _earlier(report: Report, hours: float) -> None:
    """Move the report's clock back, as if what happened to it happened `hours` ago."""
    delta = dt.timedelta(hours=hours)
    Report.objects.filter(pk=report.pk).update(
        **{
            field: F(field) - delta
            for field in (
                "created_at",
                "routed_at",
                "due_at",
                "acknowledged_at",
                "closed_at",
                "verify_by",
            )
        }
    )
    ReportEvent.objects.filter(report=report).update(created_at=F("created_at") - delta)


def _check(report: Report, outcome: str, satisfaction: str, comment: str = "", photo=None):
    return services.report_check(
        rider=report.rider,
        report=report,
        outcome=outcome,
        satisfaction=satisfaction,
        comment=comment,
        photo=photo,
    )


def _resolve(report: Report, reply: str, evidence: str | None = None) -> Report:
    """The department resolves the report as it stands now, with an evidence photo if given."""
    report = Report.objects.get(pk=report.pk)
    return services.report_resolve(
        report=report,
        department=report.department,
        reply=reply,
        photo=_photo(evidence) if evidence else None,
    )


def _closed_loop(riders: list[Rider], licang: District) -> int:
    dispatcher = User.objects.filter(username="dispatcher").first()
    colours = ["#5d4037", "#00838f", "#9e9d24", "#ad1457", "#37474f", "#4527a0", "#795548"]
    stories = [*LOOP, STORY]
    for index, (number, code, text, address, lat, lng, fate) in enumerate(stories):
        rider = riders[number % len(riders)]
        report = services.report_submit(
            rider=rider,
            category=Category.objects.get(code=code),
            description=text,
            district=licang if code == "stairwell-clutter" else rider.district,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            address=address,
            photos=[_photo(colours[index % len(colours)])],
        )
        department = services.department_for(category=report.category, district=report.district)
        report = workflow.route(report, department=department)
        report = workflow.acknowledge(report, department=department)
        if fate == "waiting":
            _resolve(report, "已更换灯泡和镇流器，路灯恢复照明。")
        elif fate == "confirmed":
            report = _resolve(report, "已组织人员清除站牌上的小广告并清洗。")
            _check(report, A.FIXED, H.SATISFIED, "清理得很干净，谢谢！")
        elif fate == "by_default":
            _resolve(report, "信号机控制板已更换，路口恢复正常放行。")
            # The rider never answered: REPORT_CHECK_HOURS later the sweep accepts it (默认满意).
            _earlier(report, settings.REPORT_CHECK_HOURS + 2)
            services.unchecked_fixes_accept()
        elif fate == "reopened":
            report = _resolve(report, "已劝离摊主。")
            said = "摊位晚上照常出摊，人行道还是堵着"
            _check(report, A.NOT_FIXED, H.DISSATISFIED, said, _photo("#212121"))
        elif fate == "supervision":
            report = _resolve(report, "已清理废品。")
            _check(report, A.NOT_FIXED, H.DISSATISFIED, "废品还在")
            report = _resolve(report, "已再次清理，并告知周边商户。")
            _check(report, A.NOT_FIXED, H.DISSATISFIED, "第二次也没有清走")
        elif fate == "closed":
            report = _resolve(report, "已安排维修。")
            _check(report, A.NOT_FIXED, H.DISSATISFIED, "一块砖都没动")
            report = _resolve(report, "已报修，等待施工。")
            _check(report, A.NOT_FIXED, H.DISSATISFIED, "还是老样子")
            workflow.close(
                Report.objects.get(pk=report.pk),
                actor=dispatcher,
                reason="该路段人行道已列入下月整体翻修计划，现场已设置警示标志。",
            )
        elif fate == "story":
            report = _resolve(report, "已通知物业清理楼道。")
            said = "纸箱搬走了，旧床垫还堵在楼梯口"
            _check(report, A.NOT_FIXED, H.DISSATISFIED, said, _photo("#6d4c41"))
            # Reopened to the same department with a new deadline; it asks where exactly (the
            # clock paused), the rider answers, and it resolves with a template and evidence.
            services.report_ask(
                report=Report.objects.get(pk=report.pk),
                department=department,
                question="请问旧床垫具体在几楼？我们安排人员今天清运。",
            )
            services.question_answer(
                rider=report.rider, report=report, text="在3楼和4楼之间的平台上，两张床垫。"
            )
            reply = services.template_fill(
                template=ResponseTemplate.objects.get(title="已派人处理", department=None),
                department=department,
                category=report.category,
                fields={"time": "今天10:30", "place": "京口路28号2号楼2单元3-4楼平台"},
            )
            report = _resolve(report, reply, evidence="#2e7d32")
            _check(report, A.FIXED, H.SATISFIED, "楼道干净了，谢谢！")
    return len(stories)


# Working the report (issue 14): rider index, category, description, address, lat, lng, fate.
WORKING = [
    (
        1,
        "road-hazard",
        "学校门口的井盖缺失，只用一个锥桶挡着",
        "市北区延安路 88 号",
        "36.083300",
        "120.371200",
        "urgent",
    ),
    (
        2,
        "illegal-flyers",
        "小区变电箱上贴满了开锁小广告，写着供电公司电话",
        "崂山区松岭路 18 号",
        "36.113500",
        "120.468900",
        "transfer_pending",
    ),
    (
        3,
        "uncivil-behaviour",
        "商铺把油烟管道直接通到人行道上，路过全是油烟",
        "市北区台东三路 50 号",
        "36.078600",
        "120.353100",
        "transfer_by_rule",
    ),
    (
        0,
        "unlicensed-food-stall",
        "夜市摊位占满消防通道，还在用液化气罐",
        "李沧区书院路 120 号",
        "36.166800",
        "120.423900",
        "assisted",
    ),
]


def _working(riders: list[Rider], departments: dict[str, Department]) -> int:
    """Priority, transfer (转办) and joint handling (联办), each through its service."""
    dispatcher = User.objects.filter(username="dispatcher").first()
    for index, (number, code, text, address, lat, lng, fate) in enumerate(WORKING):
        rider = riders[number % len(riders)]
        report = services.report_submit(
            rider=rider,
            category=Category.objects.get(code=code),
            description=text,
            district=rider.district,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            address=address,
            photos=[_photo(["#455a64", "#6a1b9a", "#bf360c", "#1b5e20"][index % 4])],
        )
        department = services.department_for(category=report.category, district=report.district)
        report = workflow.route(report, department=department)
        if fate == "urgent":
            services.report_prioritise(
                report=report,
                priority="urgent",
                reason="井盖缺失位于学校门口，上下学时段有坠落风险。",
                by=dispatcher,
            )
        elif fate == "transfer_pending":
            # The urban managers say the box is the power company's; the dispatcher decides.
            services.transfer_request(
                report=report,
                department=department,
                to_department=departments["licang-housing"],
                reason="变电箱及其周边由住建部门协调供电公司处理，请转办。",
            )
        elif fate == "transfer_by_rule":
            # A known pair: the urban managers hand cooking-fume cases to market regulation.
            TransferRule.objects.get_or_create(
                from_department=department, to_department=departments["qd-market"]
            )
            services.transfer_request(
                report=report,
                department=department,
                to_department=departments["qd-market"],
                reason="餐饮油烟排放由市场监管部门查处。",
            )
        elif fate == "assisted":
            # Market regulation leads; the fire service assists with the gas cylinders.
            services.assist_add(report=report, department=departments["qd-fire"], by=dispatcher)
            workflow.acknowledge(Report.objects.get(pk=report.pk), department=department)
            services.report_comment(
                report=report,
                department=departments["qd-fire"],
                text="消防救援站已派员检查液化气罐，今晚联合执法。",
            )
    return len(WORKING)


# The workbench (issue 15): the Licang street office has no IT system of its own; its officers
# work its reports in /desk/. Username, name, head.
STREET_OFFICE = ("licang-licun", "李沧区李村街道办事处", "Licun Street Office, Licang")
# username, name, head, mobile (the officer's sign-in code by SMS goes there; with `make run`
# the console sender writes it to the server's log)
OFFICERS = [
    ("licun-head", "刘主任", True, "13900000101"),
    ("licun-officer", "陈晓", False, "13900000102"),
]
STREET_OFFICE_REPORT = "小区北门的共享单车倒了一地，堵住了盲道"


def _workbench(riders: list[Rider], licang: District, stdout) -> None:
    from core.demo import DEMO_ADMIN_PASSWORD, DEMO_TOTP_KEY  # demo-only, like this module

    code, name, name_en = STREET_OFFICE
    office, _ = Department.objects.get_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "city": licang.city}
    )
    # Uncivil behaviour in Licang goes to the street office (elsewhere: the urban managers).
    RoutingRule.objects.get_or_create(
        category=Category.objects.get(code="uncivil-behaviour"),
        district=licang,
        defaults={"department": office},
    )
    for username, full_name, is_head, phone in OFFICERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name}
        )
        if created:
            user.set_password(DEMO_ADMIN_PASSWORD)
            user.save()
        Officer.objects.get_or_create(
            user=user, defaults={"department": office, "is_head": is_head, "phone": phone}
        )
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEVICE_NAME,
            defaults={"key": DEMO_TOTP_KEY.hex(), "confirmed": True},
        )
    if not Report.objects.filter(description=STREET_OFFICE_REPORT).exists():
        report = services.report_submit(
            rider=riders[0],
            category=Category.objects.get(code="uncivil-behaviour"),
            description=STREET_OFFICE_REPORT,
            district=licang,
            latitude=Decimal("36.162400"),
            longitude=Decimal("120.428800"),
            address="李沧区李村街道峰山路 15 号",
            photos=[_photo("#0277bd")],
        )
        workflow.route(report, department=office)
    stdout.write(
        f"Workbench (/desk/): {', '.join(u for u, _n, _h, _p in OFFICERS)} of {name} "
        "(same password and authenticator key as the staff, or a code by SMS in the server log)"
    )


# --- Jinan, the second city (issue 19): invented departments, rules and reports ---------------

JINAN_DEPARTMENTS = [
    ("jn-lixia-urban", "历下区城管局", "Lixia Urban Management"),
    ("jn-shizhong-urban", "市中区城管局", "Shizhong Urban Management"),
    ("jn-traffic", "济南市公安局交通警察支队", "Jinan Traffic Police"),
]
# Each district's own urban-management bureau for these categories.
JINAN_URBAN = ["broken-streetlight", "illegal-flyers", "stairwell-clutter", "uncivil-behaviour"]
# City-wide rules of Jinan: category → department.
JINAN_CITY_WIDE = {"road-hazard": "jn-traffic", "traffic-signal-fault": "jn-traffic"}
# How Jinan runs some categories: not offered (its market stalls are licensed by the
# districts' own hotline), a longer deadline for streetlights, more points for flyers.
JINAN_CATEGORIES = {
    "unlicensed-food-stall": {"is_enabled": False},
    "broken-streetlight": {"closure_hours": 48},
    "illegal-flyers": {"points_reward": 5},
}
# Jinan's demo riders when the riders' demo made none: number, name, phone, district.
JINAN_RIDERS = [
    ("JN1000001", "孙晓东", "13700531001", "lixia"),
    ("JN1000002", "韩雪梅", "13700531002", "shizhong"),
    ("JN1000003", "马志强", "13700531003", "lixia"),
]
# category, description, address, lat, lng, district, what happens next
JINAN_REPORTS = [
    (
        "broken-streetlight",
        "泉城路一段路灯全灭",
        "历下区泉城路 180 号",
        "36.6653",
        "117.0253",
        "lixia",
        "acknowledged",
    ),
    (
        "illegal-flyers",
        "小区门口电箱贴满小广告",
        "市中区经四路 300 号",
        "36.6580",
        "116.9950",
        "shizhong",
        "resolved",
    ),
    (
        "road-hazard",
        "路面塌陷一个大坑，已有电动车摔倒",
        "历下区解放路 50 号",
        "36.6700",
        "117.0500",
        "lixia",
        "routed",
    ),
    (
        "fire-hazard",
        "楼道里有人给电动车飞线充电",
        "市中区英雄山路 120 号",
        "36.6420",
        "117.0050",
        "shizhong",
        "dispatch",
    ),
    (
        "stairwell-clutter",
        "楼道堆满旧家具，消防通道不通",
        "历下区文化东路 60 号",
        "36.6600",
        "117.0600",
        "lixia",
        "submitted",
    ),
]


def _jinan(stdout) -> None:
    """Jinan's departments, routing rules, categories, riders and a handful of reports, each
    made once (seed_demo runs again and again)."""
    from riders.services import rider_create

    jinan = City.objects.filter(code="jinan").first()
    if jinan is None:
        return
    districts = {d.code: d for d in District.objects.filter(city=jinan)}
    if not {"lixia", "shizhong"} <= set(districts):
        return
    departments = {}
    for code, name, name_en in JINAN_DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "city": jinan}
        )
    for category_code in JINAN_URBAN:
        for district_code in ("lixia", "shizhong"):
            RoutingRule.objects.get_or_create(
                category=Category.objects.get(code=category_code),
                district=districts[district_code],
                defaults={"department": departments[f"jn-{district_code}-urban"], "city": jinan},
            )
    for category_code, department_code in JINAN_CITY_WIDE.items():
        RoutingRule.objects.get_or_create(
            category=Category.objects.get(code=category_code),
            district=None,
            city=jinan,
            defaults={"department": departments[department_code]},
        )
    for category_code, settings_ in JINAN_CATEGORIES.items():
        CityCategory.objects.update_or_create(
            city=jinan, category=Category.objects.get(code=category_code), defaults=settings_
        )
    stdout.write("Jinan: 3 departments, routing rules, 1 category not offered")
    _jinan_officer(departments["jn-lixia-urban"], stdout)
    riders = list(Rider.objects.filter(district__city=jinan, is_active=True).order_by("pk")[:3])
    if not riders:
        for number, name, phone, district_code in JINAN_RIDERS:
            riders.append(
                Rider.objects.filter(rider_number=number).first()
                or rider_create(
                    rider_number=number,
                    name=name,
                    phone=phone,
                    district=districts[district_code],
                    joined_on=dt.date(2025, 3, 1),
                    station="济南泉城站",
                )
            )
    if Report.objects.filter(district__city=jinan).exists():
        stdout.write("Jinan demo reports already present")
        return
    colours = ["#00695c", "#4527a0", "#ad1457"]
    for index, (code, text, address, lat, lng, district_code, fate) in enumerate(JINAN_REPORTS):
        report = services.report_submit(
            rider=riders[index % len(riders)],
            category=Category.objects.get(code=code),
            description=text,
            district=districts[district_code],
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            address=address,
            photos=[_photo(colours[index % len(colours)])],
        )
        if fate == "submitted":
            continue  # left for the worker to route
        department = services.department_for(category=report.category, district=report.district)
        if fate == "dispatch" or department is None:
            workflow.to_dispatcher(report)  # no Jinan rule for fire hazards: the dispatcher
            continue
        report = workflow.route(report, department=department)
        if fate in ("acknowledged", "resolved"):
            report = workflow.acknowledge(report, department=department)
        if fate == "resolved":
            workflow.resolve(report, department=department, reply="小广告已清除，将加强巡查。")
    stdout.write(f"Jinan demo reports: {len(JINAN_REPORTS)}")


# Jinan's workbench officer: the Lixia bureau's head sees Jinan's reports only (issue 19).
JINAN_OFFICER = ("lixia-head", "高主任", "13900000201")


def _jinan_officer(department: Department, stdout) -> None:
    from core.demo import DEMO_ADMIN_PASSWORD, DEMO_TOTP_KEY  # demo-only, like this module

    username, full_name, phone = JINAN_OFFICER
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": full_name, "city": department.city}
    )
    if created:
        user.set_password(DEMO_ADMIN_PASSWORD)
        user.save()
    Officer.objects.get_or_create(
        user=user, defaults={"department": department, "is_head": True, "phone": phone}
    )
    TOTPDevice.objects.update_or_create(
        user=user, name=DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY.hex(), "confirmed": True}
    )
    stdout.write(f"Workbench of Jinan (/desk/): {username} of {department.name}")
