"""Demo rider canteens with set meals and their three-way subsidy split, and last month's
served meals for the settlement. Run through `manage.py seed_demo`."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core.models import District, User
from riders.models import Rider

from .models import Canteen, MealOrder, SetMeal

# name, English, operator, district, address, lat, lng, opens, closes
CANTEENS = [
    (
        "李沧骑手食堂",
        "Licang Rider Canteen",
        "青岛餐饮集团",
        "李沧区",
        "李沧区永平路 59 号",
        "36.160700",
        "120.433100",
        "10:00",
        "21:00",
    ),
    (
        "市南骑手食堂",
        "Shinan Rider Canteen",
        "青岛餐饮集团",
        "市南区",
        "市南区香港中路 60 号",
        "36.065800",
        "120.384200",
        "10:30",
        "20:30",
    ),
    (
        "西海岸骑手食堂",
        "West Coast Rider Canteen",
        "黄岛味道餐饮",
        "黄岛区",
        "黄岛区长江中路 220 号",
        "35.961200",
        "120.198900",
        "10:00",
        "21:30",
    ),
]
# name, English, description, list price, government, platform, merchant
MEALS = [
    (
        "红烧肉套餐",
        "Braised pork set",
        "红烧肉、时蔬、米饭、紫菜汤",
        "22.00",
        "5.00",
        "4.00",
        "3.00",
    ),
    ("鲅鱼水饺", "Mackerel dumplings", "鲅鱼水饺 20 个、小菜", "18.00", "4.00", "3.00", "3.00"),
    (
        "番茄鸡蛋面",
        "Tomato and egg noodles",
        "手擀面、番茄炒蛋、青菜",
        "15.00",
        "3.00",
        "3.00",
        "2.00",
    ),
]


def seed(stdout) -> None:
    _seed_jinan(stdout)
    if Canteen.objects.filter(district__city__code="qingdao").exists():
        stdout.write("Demo canteens already present")
        return
    districts = {d.name: d for d in District.objects.filter(city__code="qingdao")}
    staff = User.objects.filter(username="canteen").first()
    canteens = []
    for name, name_en, operator, district, address, lat, lng, opens, closes in CANTEENS:
        canteen = Canteen.objects.create(
            name=name,
            name_en=name_en,
            operator=operator,
            district=districts[district],
            address=address,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            opens_at=dt.time.fromisoformat(opens),
            closes_at=dt.time.fromisoformat(closes),
            counters=2,
        )
        if staff is not None:
            canteen.staff.add(staff)
        for meal_name, meal_en, description, price, government, platform, merchant in MEALS:
            SetMeal.objects.create(
                canteen=canteen,
                name=meal_name,
                name_en=meal_en,
                description=description,
                list_price=Decimal(price),
                government_part=Decimal(government),
                platform_part=Decimal(platform),
                merchant_part=Decimal(merchant),
                portions_per_day=150,
            )
        canteens.append(canteen)
    _last_month_served(canteens)
    stdout.write(
        f"Canteens: {len(canteens)} with {SetMeal.objects.count()} set meals; counter page "
        f"/staff/counter/{canteens[0].pk}/ (login: canteen)"
    )


def _last_month_served(canteens: list[Canteen]) -> None:
    """Meals collected last month by the demo riders, for the settlement and Home figure."""
    riders = list(Rider.objects.filter(rider_number__startswith="QD1000").order_by("rider_number"))
    if not riders:
        return
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    first = first.replace(day=1)
    orders, code = [], 0
    for day in range(1, 21):
        service_date = first.replace(day=day)
        for index, rider in enumerate(riders):
            canteen = canteens[index % len(canteens)]
            meal = canteen.set_meals.all()[day % 3]
            code += 1
            collected = timezone.make_aware(dt.datetime.combine(service_date, dt.time(12, 5)))
            orders.append(
                MealOrder(
                    rider=rider,
                    canteen=canteen,
                    set_meal=meal,
                    service_date=service_date,
                    pickup_code=f"{code % 10000:04d}",
                    status=MealOrder.Status.COLLECTED,
                    subsidised=True,
                    list_price=meal.list_price,
                    government_part=meal.government_part,
                    platform_part=meal.platform_part,
                    merchant_part=meal.merchant_part,
                    rider_price=meal.rider_price,
                    collected_at=collected,
                    closed_at=collected,
                )
            )
    MealOrder.objects.bulk_create(orders)


JINAN_OPERATOR = "jinan-canteen"


def _seed_jinan(stdout) -> None:
    """Jinan (issue 19, invented): one canteen with three set meals and its own operator.
    Jinan subsidises one meal a day (City.subsidised_meals_per_day, core/demo.py)."""
    from django.contrib.auth.models import Group

    from core.roles import CANTEEN_OPERATOR

    district = District.objects.filter(city__code="jinan", code="shizhong").first()
    if district is None or Canteen.objects.filter(district__city=district.city).exists():
        return
    operator, created = User.objects.get_or_create(
        username=JINAN_OPERATOR,
        defaults={"is_staff": True, "first_name": "孔凡", "city": district.city},
    )
    if created:
        from core.demo import DEMO_ADMIN_PASSWORD

        operator.set_password(DEMO_ADMIN_PASSWORD)
        operator.save()
    operator.groups.add(Group.objects.get(name=CANTEEN_OPERATOR))
    canteen = Canteen.objects.create(
        name="市中骑手食堂",
        name_en="Shizhong Rider Canteen",
        operator="济南泉城餐饮有限公司",
        district=district,
        address="市中区经四路 120 号",
        latitude=Decimal("36.652"),
        longitude=Decimal("116.993"),
        opens_at=dt.time(10, 30),
        closes_at=dt.time(21, 0),
        counters=1,
    )
    canteen.staff.add(operator)
    for name, name_en, price, government, platform, merchant in (
        ("把子肉套餐", "Braised pork belly set", "20.00", "5.00", "3.00", "2.00"),
        ("甜沫油条套餐", "Millet porridge and youtiao", "12.00", "3.00", "2.00", "1.00"),
        ("素三鲜水饺", "Vegetable dumplings", "15.00", "4.00", "2.00", "2.00"),
    ):
        SetMeal.objects.create(
            canteen=canteen,
            name=name,
            name_en=name_en,
            list_price=Decimal(price),
            government_part=Decimal(government),
            platform_part=Decimal(platform),
            merchant_part=Decimal(merchant),
            portions_per_day=80,
        )
    stdout.write(f"Jinan canteen: {canteen.name} (login: {JINAN_OPERATOR})")
