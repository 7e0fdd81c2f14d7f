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


def seed(stdout) -> None:
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
