"""Demo partner merchants: 200+ places over Qingdao's districts with realistic opening hours,
the service centre with its friendly pharmacy and supermarket, and the night shift's places:
battery-swap stations and e-bike charging in every district, some open 24 hours, and in Licang
(where the demo rider stands) an open toilet and e-bike charging at 03:30. Invented names.
Run through `manage.py seed_demo`."""

import datetime as dt
import random
from decimal import Decimal

from core.models import District

from .models import Merchant, OpeningHours

# kind, name stems, services, hours pattern
KINDS = [
    (
        "shop",
        ["海风便利店", "邻家便利", "好运来超市便利", "街角小铺"],
        ["water", "charging"],
        "day",
    ),
    (
        "restaurant",
        ["家常菜馆", "鲅鱼饺子馆", "老街面馆", "海鲜大排档"],
        ["water", "toilet", "rest", "discount"],
        "night",
    ),
    ("pharmacy", ["惠民大药房", "仁心药店", "百姓药房"], ["water"], "day"),
    ("supermarket", ["邻里生鲜超市", "万家福超市"], ["water", "toilet", "charging"], "long"),
    (
        "repair",
        ["顺达电动车维修", "快修电动车行"],
        ["repair", "water", "charging", "ebike_charging"],
        "repair",
    ),
]
# Per district: a 24-hour battery-swap cabinet, a swap station with a charging corner open
# late, and an e-bike charging point open 24 hours (name, kind, services, hours or "24h").
NIGHT_PLACES = [
    ("换电柜", "swap", ["battery_swap"], "24h"),
    ("换电站", "swap", ["battery_swap", "ebike_charging", "water"], "late"),
    ("电动车充电站", "shop", ["ebike_charging", "charging", "water"], "24h"),
]
# In Licang, a few hundred metres from the district centre: the 24-hour convenience store with
# a toilet and e-bike charging that the night shift looks for.
LICANG_NIGHT = ("彻夜便利店（李沧区京口路店）", "36.146800", "120.434200")
HOURS = {
    "day": [("daily", "08:00", "22:00")],
    "night": [
        ("mon-thu", "10:30", "23:00"),
        ("fri-sat", "10:30", "02:00"),
        ("sun", "11:00", "22:00"),
    ],
    "long": [("daily", "07:00", "23:00")],
    "repair": [("mon-sat", "08:30", "19:30")],
    "late": [("daily", "06:00", "01:00")],
}
DAY_INDEX = {
    "daily": range(7),
    "mon-thu": range(4),
    "fri-sat": (4, 5),
    "sun": (6,),
    "mon-sat": range(6),
}
STREETS = [
    "中山路",
    "香港中路",
    "延安三路",
    "辽宁路",
    "台东一路",
    "重庆中路",
    "黑龙江路",
    "长江中路",
    "正阳路",
    "鹤山路",
    "福州南路",
    "扬州路",
    "威海路",
    "烟台路",
]
PER_DISTRICT = 21
FLAGS = (
    ("water", "has_water"),
    ("charging", "has_charging"),
    ("toilet", "has_toilet"),
    ("rest", "has_rest_seat"),
    ("ebike_charging", "has_ebike_charging"),
    ("battery_swap", "has_battery_swap"),
    ("repair", "has_ebike_repair"),
    ("discount", "has_discount"),
)


def seed(stdout) -> None:
    _seed_jinan(stdout)
    if Merchant.objects.filter(district__city__code="qingdao").exists():
        stdout.write("Demo merchants already present")
        return
    rng = random.Random(2026)  # the same places on every machine  # noqa: S311
    districts = list(District.objects.filter(city__code="qingdao").order_by("code"))
    _service_centre(districts)
    number = 0
    for district in districts:
        for n in range(PER_DISTRICT):
            kind, stems, services, pattern = KINDS[n % len(KINDS)]
            number += 1
            street = STREETS[(number * 7) % len(STREETS)]
            merchant = Merchant.objects.create(
                name=f"{rng.choice(stems)}（{street}店）",
                kind=kind,
                address=f"{district.name}{street}{rng.randint(1, 300)}号",
                district=district,
                latitude=district.latitude + Decimal(f"{rng.uniform(-0.025, 0.025):.6f}"),
                longitude=district.longitude + Decimal(f"{rng.uniform(-0.03, 0.03):.6f}"),
                open_24h=kind == "shop" and n % 3 == 0,
                partner_since=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600)),
                discount_note="骑手凭工牌九折" if "discount" in services else "",
                **{flag: key in services for key, flag in FLAGS},
            )
            if not merchant.open_24h:
                _hours(merchant, HOURS[pattern])
        _night_places(district, rng)
    _licang_night(districts)
    stdout.write(f"Partner merchants: {Merchant.objects.count()} (try /nearby/)")


def _night_places(district: District, rng: random.Random) -> None:
    for n, (stem, kind, services, hours) in enumerate(NIGHT_PLACES):
        street = STREETS[(n * 5 + district.pk) % len(STREETS)]
        merchant = Merchant.objects.create(
            name=f"骑手{stem}（{district.name}{street}）",
            kind=kind,
            address=f"{district.name}{street}{rng.randint(1, 300)}号",
            district=district,
            latitude=district.latitude + Decimal(f"{rng.uniform(-0.012, 0.012):.6f}"),
            longitude=district.longitude + Decimal(f"{rng.uniform(-0.015, 0.015):.6f}"),
            open_24h=hours == "24h",
            partner_since=dt.date(2025, 3, 1),
            **{flag: key in services for key, flag in FLAGS},
        )
        if hours != "24h":
            _hours(merchant, HOURS[hours])


def _licang_night(districts) -> None:
    licang = next(d for d in districts if d.name == "李沧区")
    name, lat, lng = LICANG_NIGHT
    Merchant.objects.create(
        name=name,
        kind="shop",
        address="李沧区京口路 88 号",
        district=licang,
        latitude=Decimal(lat),
        longitude=Decimal(lng),
        open_24h=True,
        has_water=True,
        has_charging=True,
        has_toilet=True,
        has_ebike_charging=True,
        partner_since=dt.date(2025, 6, 1),
    )


def _hours(merchant: Merchant, pattern) -> None:
    OpeningHours.objects.bulk_create(
        OpeningHours(
            merchant=merchant,
            weekday=day,
            opens=dt.time.fromisoformat(opens),
            closes=dt.time.fromisoformat(closes),
        )
        for days, opens, closes in pattern
        for day in DAY_INDEX[days]
    )


def _service_centre(districts) -> None:
    """The industry service centre in Shibei with its friendly pharmacy and supermarket."""
    shibei = next(d for d in districts if d.name == "市北区")
    lat, lng = Decimal("36.087100"), Decimal("120.374300")
    Merchant.objects.create(
        name="青暖红骑之家（骑手服务中心）",
        kind="centre",
        address="市北区辽宁路 208 号",
        district=shibei,
        latitude=lat,
        longitude=lng,
        open_24h=True,
        has_water=True,
        has_charging=True,
        has_toilet=True,
        has_rest_seat=True,
        has_ebike_charging=True,
        has_battery_swap=True,
        has_ebike_repair=True,
        partner_since=dt.date(2023, 6, 1),
    )
    pharmacy = Merchant.objects.create(
        name="骑手友好药房",
        kind="pharmacy",
        address="市北区辽宁路 210 号",
        district=shibei,
        latitude=lat + Decimal("0.000300"),
        longitude=lng,
        has_water=True,
        has_discount=True,
        discount_note="常用药骑手价",
        partner_since=dt.date(2023, 6, 1),
    )
    supermarket = Merchant.objects.create(
        name="骑手友好超市",
        kind="supermarket",
        address="市北区辽宁路 206 号",
        district=shibei,
        latitude=lat - Decimal("0.000300"),
        longitude=lng,
        has_water=True,
        has_charging=True,
        has_toilet=True,
        has_discount=True,
        discount_note="饮用水、充电宝骑手价",
        partner_since=dt.date(2023, 6, 1),
    )
    _hours(pharmacy, [("daily", "08:00", "22:00")])
    _hours(supermarket, [("daily", "07:00", "23:30")])


# Jinan's partner places (issue 19, invented): name, kind, district, address, lat, lng,
# services, hours ("24h" or (opens, closes) every day).
JINAN_PLACES = (
    (
        "泉城便利店（泉城路店）",
        "shop",
        "lixia",
        "历下区泉城路 20 号",
        "36.6655",
        "117.0735",
        ("water", "charging", "toilet"),
        "24h",
    ),
    (
        "趵突泉药房",
        "pharmacy",
        "lixia",
        "历下区趵突泉南路 6 号",
        "36.6612",
        "117.0168",
        ("water",),
        ("08:00", "22:00"),
    ),
    (
        "骑手驿站（经四路）",
        "centre",
        "shizhong",
        "市中区经四路 100 号",
        "36.6518",
        "116.9925",
        ("water", "charging", "toilet", "rest", "ebike_charging"),
        ("07:00", "23:00"),
    ),
    (
        "快换电柜（万达广场）",
        "swap",
        "shizhong",
        "市中区经四路 5 号",
        "36.6531",
        "116.9870",
        ("battery_swap",),
        "24h",
    ),
)


def _seed_jinan(stdout) -> None:
    districts = {d.code: d for d in District.objects.filter(city__code="jinan")}
    if not districts or Merchant.objects.filter(district__city__code="jinan").exists():
        return
    for name, kind, district, address, lat, lng, services, hours in JINAN_PLACES:
        merchant = Merchant.objects.create(
            name=name,
            kind=kind,
            address=address,
            district=districts[district],
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            open_24h=hours == "24h",
            partner_since=dt.date(2026, 1, 1),
            **{flag: key in services for key, flag in FLAGS},
        )
        if hours != "24h":
            opens, closes = (dt.time.fromisoformat(t) for t in hours)
            OpeningHours.objects.bulk_create(
                OpeningHours(merchant=merchant, weekday=day, opens=opens, closes=closes)
                for day in range(7)
            )
    stdout.write(f"Jinan partner places: {len(JINAN_PLACES)}")
