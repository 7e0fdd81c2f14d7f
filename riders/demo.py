"""Demo riders of every tier, with invented names. Run through `manage.py seed_demo`."""

import datetime as dt

from core.models import District

from .models import Rider, Tier
from .services import rider_create

DEMO_RIDER_PHONE = "13800000001"

# rider number, invented name, phone, district, station, joined, tier
DEMO_RIDERS = [
    ("QD100001", "王小骑", DEMO_RIDER_PHONE, "李沧区", "李沧万达站", "2023-03-15", Tier.REGULAR),
    ("QD100002", "李青禾", "13800000002", "市南区", "五四广场站", "2021-07-01", Tier.HONOUR),
    ("QD100003", "赵长风", "13800000003", "崂山区", "麦岛站", "2020-05-20", Tier.CAPTAIN),
    ("QD100004", "陈思远", "13800000004", "市北区", "台东站", "2024-01-08", Tier.REGULAR),
    ("QD100005", "刘一帆", "13800000005", "黄岛区", "长江路站", "2022-10-11", Tier.HONOUR),
    ("QD100006", "孙可心", "13800000006", "城阳区", "城阳站", "2023-09-30", Tier.REGULAR),
    ("QD100007", "周海川", "13800000007", "即墨区", "即墨古城站", "2022-02-14", Tier.REGULAR),
    ("QD100008", "吴晓东", "13800000008", "胶州市", "胶州站", "2024-06-01", Tier.REGULAR),
    ("QD100009", "郑安然", "13800000009", "平度市", "平度站", "2023-12-12", Tier.CAPTAIN),
    ("QD100010", "冯未来", "13800000010", "莱西市", "莱西站", "2025-04-18", Tier.REGULAR),
]


# Jinan's riders (issue 19, invented): the second city, so every scoping rule shows.
JINAN_RIDER_PHONE = "13900000001"
JINAN_RIDERS = [
    ("JN200001", "韩晓明", JINAN_RIDER_PHONE, "lixia", "泉城广场站", "2023-05-06", Tier.REGULAR),
    ("JN200002", "高雨晴", "13900000002", "lixia", "解放阁站", "2022-08-19", Tier.HONOUR),
    ("JN200003", "马骁", "13900000003", "shizhong", "万达广场站", "2021-04-02", Tier.CAPTAIN),
    ("JN200004", "田甜", "13900000004", "shizhong", "经四路站", "2024-03-11", Tier.REGULAR),
]


def seed(stdout) -> None:
    _seed_jinan(stdout)
    districts = {d.name: d for d in District.objects.filter(city__code="qingdao")}
    for number, name, phone, district, station, joined, tier in DEMO_RIDERS:
        if Rider.objects.filter(rider_number=number).exists():
            continue
        rider_create(
            rider_number=number,
            name=name,
            phone=phone,
            district=districts[district],
            station=station,
            joined_on=dt.date.fromisoformat(joined),
            tier=tier,
        )
    stdout.write(f"Demo rider phone: {DEMO_RIDER_PHONE} (sign-in code is printed in this log)")


def _seed_jinan(stdout) -> None:
    districts = {d.code: d for d in District.objects.filter(city__code="jinan")}
    if not districts:
        return  # core/demo.py makes Jinan first
    for number, name, phone, district, station, joined, tier in JINAN_RIDERS:
        if Rider.objects.filter(rider_number=number).exists():
            continue
        rider_create(
            rider_number=number,
            name=name,
            phone=phone,
            district=districts[district],
            station=station,
            joined_on=dt.date.fromisoformat(joined),
            tier=tier,
        )
    stdout.write(f"Demo Jinan rider phone: {JINAN_RIDER_PHONE}")
