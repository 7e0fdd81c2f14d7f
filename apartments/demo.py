"""Demo rider apartments as in docs/product.md §1: Licang (converted mill dormitory, 2,400 m²,
65 rooms, 200 beds), West Coast and Jiaozhou (hotel-style, operating), Shinan and Shibei
(surveying); some tenancies and a waiting list. Run through `manage.py seed_demo`."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.models import District, User
from core.roles import APARTMENT_MANAGER
from riders.models import Rider

from . import services
from .models import Apartment, Bed, ChecklistItem, Facility, Room, RoomType

DEMO_MANAGER = "manager"

# name, English, district, address, lat, lng, m², status, facilities, origin, colour
APARTMENTS = [
    (
        "李沧骑手公寓",
        "Licang Rider Apartment",
        "李沧区",
        "李沧区永平路 57 号",
        "36.160500",
        "120.432800",
        "2400",
        "operating",
        ["supermarket", "lounge", "repair", "laundry", "charging"],
        "由原纺织厂职工宿舍改建，2024 年投入使用。",
        "#b71c1c",
    ),
    (
        "西海岸骑手公寓",
        "West Coast Rider Apartment",
        "黄岛区",
        "黄岛区长江中路 216 号",
        "35.960800",
        "120.198200",
        "1200",
        "operating",
        ["lounge", "laundry", "shower", "wifi"],
        "酒店式公寓，由商务酒店整体租赁改造。",
        "#1565c0",
    ),
    (
        "胶州骑手公寓",
        "Jiaozhou Rider Apartment",
        "胶州市",
        "胶州市福州南路 99 号",
        "36.264600",
        "120.034700",
        "900",
        "operating",
        ["laundry", "shower", "wifi", "charging"],
        "酒店式公寓。",
        "#2e7d32",
    ),
    (
        "市南骑手公寓（储备）",
        "Shinan Rider Apartment (reserve)",
        "市南区",
        "市南区延安三路",
        "36.068000",
        "120.350000",
        None,
        "surveying",
        [],
        "储备项目，正在选址勘察。",
        "#6a1b9a",
    ),
    (
        "市北骑手公寓（储备）",
        "Shibei Rider Apartment (reserve)",
        "市北区",
        "市北区辽宁路",
        "36.082000",
        "120.355000",
        None,
        "surveying",
        [],
        "储备项目，正在选址勘察。",
        "#ef6c00",
    ),
]


def _photo(colour: str) -> ContentFile:
    image = Image.new("RGB", (640, 360), colour)
    draw = ImageDraw.Draw(image)
    for x in range(60, 600, 90):
        for y in (70, 170, 270):
            draw.rectangle([x, y, x + 50, y + 50], outline="white", width=6)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=78)
    return ContentFile(buffer.getvalue(), name="apartment.jpg")


def _licang_rooms(apartment: Apartment) -> None:
    """65 rooms, 200 beds: 60 three-bed rooms and 5 four-bed rooms on five floors."""
    three = RoomType.objects.create(
        apartment=apartment, name="三人间", name_en="Three-bed room", monthly_rent=Decimal("300")
    )
    four = RoomType.objects.create(
        apartment=apartment, name="四人间", name_en="Four-bed room", monthly_rent=Decimal("240")
    )
    _rooms(apartment, [(three, 3)] * 60 + [(four, 4)] * 5, floors=5)


def _hotel_rooms(apartment: Apartment, rooms: int) -> None:
    double = RoomType.objects.create(
        apartment=apartment, name="双人间", name_en="Twin room", monthly_rent=Decimal("450")
    )
    _rooms(apartment, [(double, 2)] * rooms, floors=3)


def _rooms(apartment: Apartment, plan: list[tuple[RoomType, int]], floors: int) -> None:
    per_floor = -(-len(plan) // floors)
    issued = timezone.localdate().replace(day=1) - dt.timedelta(days=90)
    beds = []
    for index, (room_type, bed_count) in enumerate(plan):
        floor = index // per_floor + 1
        room = Room.objects.create(
            apartment=apartment,
            number=f"{floor}{index % per_floor + 1:02d}",
            floor=floor,
            room_type=room_type,
        )
        beds += [
            Bed(room=room, apartment=apartment, label="ABCD"[n], mattress_issued_on=issued)
            for n in range(bed_count)
        ]
    Bed.objects.bulk_create(beds)


def seed(stdout) -> None:
    _seed_jinan(stdout)
    if Apartment.objects.filter(district__city__code="qingdao").exists():
        stdout.write("Demo apartments already present")
        return
    districts = {d.name: d for d in District.objects.filter(city__code="qingdao")}
    manager, created = User.objects.get_or_create(
        username=DEMO_MANAGER, defaults={"is_staff": True, "first_name": APARTMENT_MANAGER}
    )
    if created:
        from core.demo import DEMO_ADMIN_PASSWORD

        manager.set_password(DEMO_ADMIN_PASSWORD)
        manager.save()
    manager.groups.add(Group.objects.get(name=APARTMENT_MANAGER))
    facilities = {f.code: f for f in Facility.objects.all()}
    made = {}
    for (
        name,
        name_en,
        district,
        address,
        lat,
        lng,
        area,
        status,
        codes,
        origin,
        colour,
    ) in APARTMENTS:
        apartment = Apartment(
            name=name,
            name_en=name_en,
            district=districts[district],
            address=address,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            floor_area_m2=Decimal(area) if area else None,
            status=status,
            origin=origin,
        )
        apartment.photo.save("apartment.jpg", _photo(colour), save=False)
        apartment.save()
        apartment.facilities.set([facilities[code] for code in codes])
        if status == Apartment.Status.OPERATING:
            apartment.managers.add(manager)
        made[name_en] = apartment
    _licang_rooms(made["Licang Rider Apartment"])
    _hotel_rooms(made["West Coast Rider Apartment"], 20)
    _hotel_rooms(made["Jiaozhou Rider Apartment"], 15)

    riders = {r.rider_number: r for r in Rider.objects.filter(rider_number__startswith="QD1000")}
    if riders:
        _tenancies_and_waiting_list(riders, made, manager)
    admin = User.objects.filter(username="admin").first() or manager
    items = ChecklistItem.objects.filter(is_active=True)
    for apartment in made.values():
        if apartment.is_operating:
            services.inspection_record(
                apartment=apartment,
                inspector=admin,
                inspected_on=timezone.localdate() - dt.timedelta(days=30),
                results={item.pk: (True, "") for item in items},
            )
    stdout.write(
        f"Apartments: {len(made)} ({Bed.objects.count()} beds); manager login: {DEMO_MANAGER}"
    )


def _tenancies_and_waiting_list(riders: dict, made: dict, manager: User) -> None:
    """Housed: QD100002/3 in Licang, QD100005/8 on the West Coast. Waiting for the West Coast:
    QD100006, QD100007. The demo rider QD100001 is left to apply for Licang."""
    today = timezone.localdate()
    for number, apartment in (
        ("QD100002", "Licang Rider Apartment"),
        ("QD100003", "Licang Rider Apartment"),
        ("QD100005", "West Coast Rider Apartment"),
        ("QD100008", "West Coast Rider Apartment"),
    ):
        application = services.application_submit(
            rider=riders[number], apartments=[made[apartment]], desired_move_in=today
        )
        bed = services.free_beds(made[apartment]).first()
        services.bed_offer(bed=bed, by=manager)
        application.refresh_from_db()
        tenancy = services.offer_accept(application=application, rider=riders[number])
        services.tenancy_check_in(tenancy=tenancy, by=manager)
    for number in ("QD100006", "QD100007"):
        services.application_submit(
            rider=riders[number],
            apartments=[made["West Coast Rider Apartment"], made["Jiaozhou Rider Apartment"]],
            desired_move_in=today + dt.timedelta(days=14),
        )


JINAN_MANAGER = "jinan-manager"


def _seed_jinan(stdout) -> None:
    """Jinan (issue 19, invented): one operating apartment with four beds, its own manager."""
    district = District.objects.filter(city__code="jinan", code="lixia").first()
    if district is None or Apartment.objects.filter(district__city=district.city).exists():
        return
    manager, created = User.objects.get_or_create(
        username=JINAN_MANAGER,
        defaults={"is_staff": True, "first_name": "赵敏", "city": district.city},
    )
    if created:
        from core.demo import DEMO_ADMIN_PASSWORD

        manager.set_password(DEMO_ADMIN_PASSWORD)
        manager.save()
    manager.groups.add(Group.objects.get(name=APARTMENT_MANAGER))
    apartment = Apartment(
        name="历下骑手公寓",
        name_en="Lixia Rider Apartment",
        district=district,
        address="历下区泉城路 88 号",
        latitude=Decimal("36.664"),
        longitude=Decimal("117.071"),
        floor_area_m2=Decimal("420"),
        status=Apartment.Status.OPERATING,
    )
    apartment.photo.save("apartment.jpg", _photo("#5a8f7b"), save=False)
    apartment.save()
    apartment.facilities.set(Facility.objects.filter(code__in=["laundry", "lounge"]))
    apartment.managers.add(manager)
    room_type = RoomType.objects.create(
        apartment=apartment, name="四人间", name_en="Four-bed room", monthly_rent=Decimal("260")
    )
    room = Room.objects.create(apartment=apartment, number="101", room_type=room_type)
    Bed.objects.bulk_create(
        Bed(room=room, apartment=apartment, label=label) for label in ("A", "B", "C", "D")
    )
    stdout.write(f"Jinan apartment: {apartment.name}, 4 beds (login: {JINAN_MANAGER})")
