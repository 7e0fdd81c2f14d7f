"""Demo data for core: the second city (Jinan, invented data: two districts) and the staff
accounts, the admin national, everyone else in one city. Run through `manage.py seed_demo`;
the other apps' demos run after this one and find Jinan by its code."""

from base64 import b32encode
from decimal import Decimal

from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import City, District, User
from .roles import CANTEEN_OPERATOR, CENTRE_ADMIN, DISPATCHER, NATIONAL_ADMIN, SUBSIDY_REVIEWER
from .staff_auth import DEVICE_NAME, two_factor_required

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "riders-demo-2026"  # noqa: S105 - demo only; seed_demo refuses in production
# One staff account per role, same demo password: username → (group, city code). The Jinan
# accounts show that a city's staff see their city only (core/tenancy.py).
DEMO_STAFF = {
    "dispatcher": (DISPATCHER, "qingdao"),
    "reviewer": (SUBSIDY_REVIEWER, "qingdao"),
    "canteen": (CANTEEN_OPERATOR, "qingdao"),
    "qingdao-admin": (CENTRE_ADMIN, "qingdao"),
    "jinan-admin": (CENTRE_ADMIN, "jinan"),
    "jinan-dispatcher": (DISPATCHER, "jinan"),
}
JINAN = "jinan"
# Jinan's two demo districts (official names; centres from public maps, WGS84).
JINAN_DISTRICTS = (
    ("lixia", "历下区", "Lixia", Decimal("36.666"), Decimal("117.076")),
    ("shizhong", "市中区", "Shizhong", Decimal("36.651"), Decimal("116.991")),
)
# Demo staff are people: the admin greets staff by first name ("欢迎，王海燕"), where a role
# name ("Canteen operator") read like a system account. Chinese names are written whole.
DEMO_STAFF_NAMES = {
    DEMO_ADMIN_USERNAME: "王海燕",
    "dispatcher": "刘建国",
    "reviewer": "陈晓丽",
    "canteen": "孙立军",
    "qingdao-admin": "赵志强",
    "jinan-admin": "李文静",
    "jinan-dispatcher": "周鹏",
}
# The demo's authenticator key, the same for every demo account whose role needs two-factor
# (seed_demo runs only with DEBUG on). Add it to an authenticator app once.
DEMO_TOTP_KEY = b"riders-portal-demo!!"
DEMO_TOTP_SECRET = b32encode(DEMO_TOTP_KEY).decode()  # OJUWIZLSOMWXA33SORQWYLLEMVWW6IJB


def _demo_authenticator(user: User) -> None:
    """Staff who need two-factor get a confirmed device with the demo key (no enrolment step)."""
    if two_factor_required(user):
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEVICE_NAME,
            defaults={"key": DEMO_TOTP_KEY.hex(), "confirmed": True},
        )


def _jinan() -> City:
    city, _created = City.objects.get_or_create(
        code=JINAN,
        defaults={
            "name": "济南",
            "name_en": "Jinan",
            "jurisdiction_id": JINAN,
            "subsidised_meals_per_day": 1,
            "service_circle_m": 1500,
        },
    )
    for order, (code, name, name_en, latitude, longitude) in enumerate(JINAN_DISTRICTS):
        District.objects.get_or_create(
            city=city,
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "latitude": latitude,
                "longitude": longitude,
                "sort_order": order,
            },
        )
    return city


def seed(stdout) -> None:
    _jinan()
    stdout.write("Cities: 青岛 Qingdao, 济南 Jinan (invented data, two districts)")
    admin, created = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_ADMIN_PASSWORD)
    # Set on every run: demo databases seeded before had the role's name here.
    admin.first_name = DEMO_STAFF_NAMES[DEMO_ADMIN_USERNAME]
    admin.save()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN), Group.objects.get(name=NATIONAL_ADMIN))
    _demo_authenticator(admin)
    stdout.write(f"National admin (every city): {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}")
    cities = {city.code: city for city in City.objects.all()}
    for username, (group, city_code) in DEMO_STAFF.items():
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(DEMO_ADMIN_PASSWORD)
        user.first_name = DEMO_STAFF_NAMES[username]
        user.city = cities[city_code]
        user.save()
        user.groups.add(Group.objects.get(name=group))
        _demo_authenticator(user)
    stdout.write(f"Staff by role: {', '.join(DEMO_STAFF)} (same password)")
    stdout.write(
        "Two-factor code for the admins, dispatchers and the reviewer: add the key "
        f"{DEMO_TOTP_SECRET} "
        "(time-based, 6 digits) to an authenticator app, or run "
        f"`oathtool --totp -b {DEMO_TOTP_SECRET}`"
    )
