import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from core.models import City, District, User
from riders.models import Rider, Tier, TierPeriod


def qingdao_district(name: str = "李沧区") -> District:
    return District.objects.get(city__code="qingdao", name=name)


def qingdao() -> City:
    return City.objects.get(code="qingdao")


def jinan(district_code: str | None = None):
    """The second city of the isolation tests (issue 19): Jinan with two districts, made on first
    use. Returns the city, or with `district_code` ("lixia" or "shizhong") that district."""
    city, _created = City.objects.get_or_create(
        code="jinan", defaults={"name": "济南", "name_en": "Jinan", "jurisdiction_id": "jinan"}
    )
    districts = {
        "lixia": ("历下区", "Lixia", "36.666", "117.076"),
        "shizhong": ("市中区", "Shizhong", "36.651", "116.991"),
    }
    made = {}
    for code, (name, name_en, lat, lng) in districts.items():
        made[code], _created = District.objects.get_or_create(
            city=city,
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
            },
        )
    return made[district_code] if district_code else city


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyFunction(lambda: make_password(None))  # unusable, as for riders


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    # Staff work in a city (core/tenancy.py): Qingdao unless a test says otherwise.
    city = factory.LazyFunction(qingdao)
    password = factory.django.Password("staff-pass-123")


class RiderFactory(DjangoModelFactory):
    """A rider with a user account and an open tier period, as services.rider_create makes."""

    class Meta:
        model = Rider
        skip_postgeneration_save = True

    rider_number = factory.Sequence(lambda n: f"T{n:07d}")
    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyAttribute(lambda u: f"rider-{u.factory_parent.rider_number}"),
    )
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    district = factory.LazyFunction(qingdao_district)
    station = "测试站"
    joined_on = dt.date(2024, 1, 1)
    tier = Tier.REGULAR
    is_active = True

    @factory.post_generation
    def tier_history(rider, create, extracted, **kwargs):
        if create:
            TierPeriod.objects.create(rider=rider, tier=rider.tier, started_on=rider.joined_on)

    @factory.post_generation
    def notice_accepted(rider, create, extracted, **kwargs):
        """The rider accepted the current privacy notice (issue 20), so tests that sign a rider
        in see their page, not the notice; RiderFactory(notice_accepted=False): not yet."""
        if not create:
            return
        from privacy.models import NoticeAcceptance, PrivacyNotice
        from privacy.selectors import current_version

        if extracted is not False:
            notice = PrivacyNotice.objects.order_by("-version").first()
            if notice is not None:
                NoticeAcceptance.objects.create(
                    rider=rider, notice=notice, accepted_at=notice.published_at, channel="web"
                )
        # The gate keeps the current version per process for a minute: loaded now, so a
        # query-count test's first page does not count the load.
        current_version()

    @factory.post_generation
    def consents(rider, create, extracted, **kwargs):
        """The optional consents the rider gave (issue 20): by default both, so tests of
        notifications and of the honour roll see SMS, names and photos as before issue 20;
        RiderFactory(consents=()) for none, or e.g. consents=("sms_notices",)."""
        if not create:
            return
        from privacy.models import ConsentChoice

        purposes = ("sms_notices", "honour_roll_public") if extracted is None else tuple(extracted)
        ConsentChoice.objects.bulk_create(
            ConsentChoice(
                rider=rider,
                purpose=p,
                granted=True,
                changed_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            )
            for p in purposes
        )


# --- governance -------------------------------------------------------------------------------
def jpeg_bytes(size=(800, 600), color="orange", gps: tuple[float, float] | None = None, fmt="JPEG"):
    """A real image file, optionally with EXIF GPS like a phone camera writes."""
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", size, color)
    buffer = BytesIO()
    kwargs = {}
    if gps is not None:
        exif = Image.Exif()

        def dms(value: float):
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
            return (degrees, minutes, seconds)

        exif[0x8825] = {
            1: "N" if gps[0] >= 0 else "S",
            2: dms(gps[0]),
            3: "E" if gps[1] >= 0 else "W",
            4: dms(gps[1]),
        }
        exif[0x010F] = "PhoneMaker"  # Make: must not survive re-encoding
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def photo_upload(name="photo.jpg", **kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = "governance.Department"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"部门{n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")
    city = factory.LazyFunction(lambda: District.objects.get(code="licang").city)


def category(code: str = "stairwell-clutter"):
    from governance.models import Category

    return Category.objects.get(code=code)


class ReportFactory(DjangoModelFactory):
    """A freshly submitted report (status "submitted"); move it on with governance.workflow."""

    class Meta:
        model = "governance.Report"

    rider = factory.SubFactory(RiderFactory)
    category = factory.LazyFunction(category)
    description = "楼道里堆满了纸箱"
    district = factory.LazyFunction(qingdao_district)
    latitude = factory.Sequence(lambda n: Decimal("36.140000") + Decimal(n) / 1000)
    longitude = Decimal("120.430000")
    address = "李沧区九水东路 100 号"
    # As report_submit does: the category's default priority (issue 14).
    priority = factory.LazyAttribute(lambda report: report.category.default_priority)


# --- rewards ----------------------------------------------------------------------------------
class BenefitFactory(DjangoModelFactory):
    class Meta:
        model = "rewards.Benefit"

    name = factory.Sequence(lambda n: f"骑手食堂餐券{n}")
    name_en = factory.Sequence(lambda n: f"Canteen meal voucher {n}")
    kind = "meal"
    provider = "李沧骑手食堂"
    points_price = 20
    stock = None
    per_rider_limit = None
    active_from = factory.LazyFunction(lambda: dt.date(2024, 1, 1))
    active_until = None
    is_active = True


def give_points(rider: Rider, points: int):
    """Credit a rider's points the way an admin does (a ledger adjustment with a reason)."""
    from rewards.services import points_adjust

    return points_adjust(rider=rider, points=points, reason="test credit", by=StaffFactory())


def validated_report(department=None, **kwargs):
    """A report routed to `department`, resolved by it and the fix confirmed by the rider,
    awards written (as the task does)."""
    from governance import workflow
    from rewards.services import report_awards_grant

    department = department or DepartmentFactory()
    report = workflow.route(ReportFactory(**kwargs), department=department)
    report = workflow.resolve(report, department=department, reply="已处理")
    report = workflow.confirm(report)
    report_awards_grant(report_id=report.pk)
    return report


# --- apartments -------------------------------------------------------------------------------
def apartment_with_beds(
    beds: int = 4, *, status: str = "operating", rent: str = "300", gender: str = "", name=None
):
    """An apartment with one room type and `beds` beds, two to a room."""
    from apartments.models import Apartment, Bed, Room, RoomType

    apartment = Apartment.objects.create(
        name=name or f"公寓{Apartment.objects.count() + 1}",
        district=qingdao_district(),
        address="李沧区测试路 1 号",
        latitude=Decimal("36.16"),
        longitude=Decimal("120.43"),
        status=status,
    )
    room_type = RoomType.objects.create(
        apartment=apartment, name="双人间", monthly_rent=Decimal(rent)
    )
    rooms = [
        Room.objects.create(
            apartment=apartment, number=f"{n + 1:03d}", room_type=room_type, gender=gender
        )
        for n in range((beds + 1) // 2)
    ]
    Bed.objects.bulk_create(
        Bed(room=rooms[n // 2], apartment=apartment, label="AB"[n % 2]) for n in range(beds)
    )
    return apartment


# --- canteens ---------------------------------------------------------------------------------
def canteen_with_meal(
    *,
    name: str = "李沧骑手食堂",
    list_price: str = "22.00",
    parts: tuple[str, str, str] = ("5.00", "4.00", "3.00"),
    portions: int = 100,
    opens: str = "00:00",
    closes: str = "23:59:59",
):
    """A canteen open (by default) all day, with one set meal; returns the meal."""
    from canteen.models import Canteen, SetMeal

    canteen = Canteen.objects.create(
        name=name,
        operator="青岛餐饮集团",
        district=qingdao_district(),
        address="李沧区永平路 59 号",
        latitude=Decimal("36.1607"),
        longitude=Decimal("120.4331"),
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )
    return SetMeal.objects.create(
        canteen=canteen,
        name="红烧肉套餐",
        name_en="Braised pork set",
        list_price=Decimal(list_price),
        government_part=Decimal(parts[0]),
        platform_part=Decimal(parts[1]),
        merchant_part=Decimal(parts[2]),
        portions_per_day=portions,
    )


# --- merchants --------------------------------------------------------------------------------
def merchant(
    *,
    lat: str = "36.160000",
    lng: str = "120.430000",
    hours=(("daily", "08:00", "22:00"),),
    open_24h: bool = False,
    **flags,
):
    """A partner merchant with opening hours; `hours` is ((days, opens, closes), ...) where days
    is "daily" or weekday numbers like (4, 5)."""
    from merchants.models import Merchant, OpeningHours

    flags.setdefault("has_toilet", True)
    place = Merchant.objects.create(
        name=flags.pop("name", f"商户{Merchant.objects.count() + 1}"),
        kind=flags.pop("kind", "shop"),
        address="李沧区测试路 1 号",
        district=qingdao_district(),
        latitude=Decimal(lat),
        longitude=Decimal(lng),
        open_24h=open_24h,
        **flags,
    )
    for days, opens, closes in hours:
        for day in range(7) if days == "daily" else days:
            OpeningHours.objects.create(
                merchant=place,
                weekday=day,
                opens=dt.time.fromisoformat(opens),
                closes=dt.time.fromisoformat(closes),
            )
    return place


# --- growth -----------------------------------------------------------------------------------
def course_with_sessions(*, seats: int = 10, sessions: int = 2, required: int = 2, **fields):
    """A published course with `sessions` weekly sessions from tomorrow evening."""
    from django.utils import timezone

    from growth.models import Course, Session

    course = Course.objects.create(
        title=fields.pop("title", "电动车安全驾驶"),
        category=fields.pop("category", "safety"),
        provider="青岛市交警支队",
        hours=Decimal("4"),
        seats=seats,
        required_sessions=required,
        **fields,
    )
    start = timezone.now() + dt.timedelta(days=1)
    for n in range(sessions):
        Session.objects.create(
            course=course,
            starts_at=start + dt.timedelta(days=7 * n),
            ends_at=start + dt.timedelta(days=7 * n, hours=2),
            place="骑手服务中心",
        )
    return course


def photos_redact(report) -> None:
    """What the redaction task queued on upload does after commit (issue 20), for tests whose
    transaction never commits: every photo of the report (the reporter's, the evidence, the
    riders' answers) gets its blurred copy, without which departments are served none."""
    from governance import services

    for photo in report.photos.all():
        services.photo_redact(kind="report", photo_id=photo.pk)
    for photo in report.evidence.all():
        services.photo_redact(kind="evidence", photo_id=photo.pk)
    for answer in report.answers.exclude(photo=""):
        services.photo_redact(kind="answer", photo_id=answer.pk)
    for question in report.questions.exclude(photo=""):
        services.photo_redact(kind="question", photo_id=question.pk)
