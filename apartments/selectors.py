"""Reads for rider apartments: the list riders see, a rider's place in line, the managers'
occupancy dashboard and rent roll."""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.prepared import PreparedModels
from core.roles import sees_everything
from core.tenancy import city_filter
from riders.models import Rider

from .models import Apartment, Application, Bed, Facility, Inspection, Tenancy

S = Application.Status


def bed_is_occupied() -> Exists:
    """For a Bed queryset: the bed has a current tenancy."""
    return Exists(Tenancy.objects.filter(bed=OuterRef("pk"), ended_on__isnull=True))


def bed_is_offered() -> Exists:
    """For a Bed queryset: the bed is offered to a rider who has not answered yet."""
    return Exists(Application.objects.filter(offered_bed=OuterRef("pk"), status=S.OFFERED))


@dataclass(frozen=True)
class BedCounts:
    beds: int = 0
    occupied: int = 0
    offered: int = 0
    waiting: int = 0

    @property
    def free(self) -> int:
        return self.beds - self.occupied - self.offered


def bed_counts(apartment_ids: list[int]) -> dict[int, BedCounts]:
    """Beds, occupied, offered and waiting riders per apartment, by four grouped index scans
    (an offered bed has no current tenancy, so free = beds - occupied - offered). The rider
    list and the dashboard use this; it stays fast with 10,000 beds (bench/apartments.py)."""

    def grouped(queryset: QuerySet[Model], key: str) -> dict[int, int]:
        return dict(queryset.values_list(key).annotate(n=Count("pk")).order_by())

    beds = grouped(Bed.objects.filter(apartment__in=apartment_ids, is_active=True), "apartment")
    occupied = grouped(
        Tenancy.objects.filter(
            bed__apartment__in=apartment_ids, bed__is_active=True, ended_on__isnull=True
        ),
        "bed__apartment",
    )
    offered = grouped(
        Application.objects.filter(
            offered_bed__apartment__in=apartment_ids, offered_bed__is_active=True, status=S.OFFERED
        ),
        "offered_bed__apartment",
    )
    waiting = grouped(
        Application.apartments.through.objects.filter(
            apartment__in=apartment_ids, application__status=S.WAITING
        ),
        "apartment",
    )
    return {
        pk: BedCounts(
            beds=beds.get(pk, 0),
            occupied=occupied.get(pk, 0),
            offered=offered.get(pk, 0),
            waiting=waiting.get(pk, 0),
        )
        for pk in apartment_ids
    }


BED_COUNTS_CACHE_KEY = "apartments:bed-counts"
BED_COUNTS_CACHE_SECONDS = 30


def bed_counts_forget() -> None:
    """Called by every service that changes a bed's state, once its transaction commits."""
    cache.delete(BED_COUNTS_CACHE_KEY)


def apartments_for_riders(*, city_id: int | None = None) -> list[Apartment]:
    """Operating apartments first, then those coming; with photo, district, facilities, rent
    and `counts` (free beds now, riders waiting). With `city_id`: that city's only (a rider
    sees their own city's apartments).

    Every rider opening the list would otherwise count 10,000 beds; the counts are cached and
    dropped by each service that changes a bed's state (and after 30 s at most, for edits made
    in the admin). Two queries and a cache read whatever the number of beds.
    """
    shown = Apartment.objects.exclude(status=Apartment.Status.CLOSED)
    if city_id is not None:
        shown = shown.filter(district__city=city_id)
    apartments: list[Apartment] = list(
        shown.select_related("district")
        .annotate(
            rent_from=Min("room_types__monthly_rent"), rent_to=Max("room_types__monthly_rent")
        )
        .prefetch_related(
            Prefetch(
                "facilities",
                queryset=Facility.objects.order_by("sort_order"),
                to_attr="facility_list",
            )
        )
        .order_by(Case(When(status=Apartment.Status.OPERATING, then=0), default=1), "name")
    )
    counts = cache.get(BED_COUNTS_CACHE_KEY)
    if counts is None or any(a.pk not in counts for a in apartments):
        # Merged into what is cached: riders of each city list their own apartments, and one
        # city's list must not push the other's counts out.
        counts = {**(counts or {}), **bed_counts([a.pk for a in apartments])}
        cache.set(BED_COUNTS_CACHE_KEY, counts, BED_COUNTS_CACHE_SECONDS)
    for apartment in apartments:
        apartment.counts = counts[apartment.pk]
    return apartments


def operating_bed_count(city_id: int | None = None) -> int:
    """Beds in use in operating apartments (the Home page figure), of one city if given."""
    beds = Bed.objects.filter(is_active=True, apartment__status=Apartment.Status.OPERATING)
    if city_id is not None:
        beds = beds.filter(apartment__district__city=city_id)
    return beds.count()


def operating_apartments(city_id: int | None = None) -> QuerySet[Apartment]:
    """Apartments taking applications; of city `city_id` when given (the rider's form)."""
    apartments = Apartment.objects.filter(status=Apartment.Status.OPERATING)
    if city_id is not None:
        apartments = apartments.filter(district__city=city_id)
    return apartments.order_by("name")


@dataclass(frozen=True)
class QueuePlace:
    apartment: Apartment
    position: int  # 1 = next in line
    waiting: int


def queue_places(*, application: Application) -> list[QueuePlace]:
    """Where the rider stands in each preferred apartment's waiting list (one query)."""
    ahead = Application.objects.filter(apartments=OuterRef("pk"), status=S.WAITING).filter(
        Q(created_at__lt=application.created_at)
        | Q(created_at=application.created_at, id__lt=application.pk)
    )
    # Not application.apartments.annotate(...): that queryset is already joined to the
    # applications through this application's own rows, so Count("applications") would reuse
    # the join and count this application alone ("3rd in a line of 1"). A fresh join counts
    # every waiting application of each apartment.
    apartments = (
        Apartment.objects.filter(pk__in=application.apartments.values("pk"))
        .annotate(
            ahead=Coalesce(
                Subquery(
                    ahead.order_by().values("apartments").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            waiting=Count("applications", filter=Q(applications__status=S.WAITING)),
        )
        .order_by("name")
    )
    return [QueuePlace(a, a.ahead + 1, a.waiting) for a in apartments]


@dataclass(frozen=True)
class Housing:
    tenancy: Tenancy | None
    application: Application | None  # the open one, else the latest closed one
    places: list[QueuePlace]


def housing_for_rider(*, rider: Rider) -> Housing:
    tenancy = (
        Tenancy.objects.filter(rider=rider, ended_on__isnull=True)
        .select_related("bed__room__room_type", "bed__apartment__district")
        .first()
    )
    application = (
        Application.objects.filter(rider=rider)
        .select_related("offered_bed__room__room_type", "offered_bed__apartment")
        .order_by(
            Case(When(status__in=[S.WAITING, S.OFFERED], then=0), default=1),
            "-created_at",
            "-id",
        )
        .first()
    )
    places = (
        queue_places(application=application)
        if application is not None and application.status == S.WAITING
        else []
    )
    return Housing(tenancy=tenancy, application=application, places=places)


def apartments_managed_by(user: User) -> QuerySet[Apartment]:
    """A manager's apartments, in their city; centre admins all of their city's, national
    admins and superusers every city's (core/tenancy.py)."""
    if sees_everything(user):
        return city_filter(Apartment.objects.all(), user)
    return city_filter(Apartment.objects.filter(managers=user), user)


@dataclass(frozen=True)
class OccupancyRow:
    apartment: Apartment
    beds: int
    occupied: int
    offered: int
    free: int
    waiting: int
    average_wait_days: float | None
    last_inspection: Inspection | None
    inspection_overdue: bool

    @property
    def occupancy_rate(self) -> int | None:
        return round(100 * self.occupied / self.beds) if self.beds else None


def occupancy_dashboard(*, apartments: QuerySet[Apartment]) -> list[OccupancyRow]:
    """Per apartment: beds, occupied, offered, free, waiting riders, average wait from applying
    to an offer (offers of the last 365 days), the last inspection. Seven queries."""
    since = timezone.now() - dt.timedelta(days=365)
    rows = list(apartments.exclude(status=Apartment.Status.CLOSED).order_by("name"))
    counts = bed_counts([a.pk for a in rows])
    waits = dict(
        Application.objects.filter(
            offered_at__gte=since, offered_bed__apartment__in=[a.pk for a in rows]
        )
        .values("offered_bed__apartment")
        .annotate(
            wait=Avg(
                ExpressionWrapper(F("offered_at") - F("created_at"), output_field=DurationField())
            )
        )
        .values_list("offered_bed__apartment", "wait")
    )
    latest = {i.apartment_id: i for i in _latest_inspections([a.pk for a in rows])}
    due = inspection_due_before()
    result = []
    for apartment in rows:
        wait = waits.get(apartment.pk)
        last = latest.get(apartment.pk)
        count = counts[apartment.pk]
        result.append(
            OccupancyRow(
                apartment=apartment,
                beds=count.beds,
                occupied=count.occupied,
                offered=count.offered,
                free=count.free,
                waiting=count.waiting,
                average_wait_days=round(wait.total_seconds() / 86400, 1) if wait else None,
                last_inspection=last,
                inspection_overdue=apartment.is_operating
                and (last is None or last.inspected_on < due),
            )
        )
    return result


def inspection_due_before() -> dt.date:
    """An operating apartment whose last inspection is older than this is overdue."""
    return timezone.localdate() - dt.timedelta(days=settings.APARTMENT_INSPECTION_DAYS)


def apartments_last_inspection_failed() -> list[int]:
    ids = list(Inspection.objects.values_list("apartment", flat=True).distinct())
    return [i.apartment_id for i in _latest_inspections(ids) if not i.passed]


def _latest_inspections(apartment_ids: list[int]) -> list[Inspection]:
    newest = Inspection.objects.filter(apartment=OuterRef("apartment")).order_by(
        "-inspected_on", "-id"
    )
    return list(
        Inspection.objects.filter(apartment__in=apartment_ids).filter(
            pk=Subquery(newest.values("pk")[:1])
        )
    )


@dataclass(frozen=True)
class RentLine:
    apartment: str
    room: str
    bed: str
    rider_number: str
    rider_name: str
    monthly_rent: Decimal
    days: int
    amount: Decimal


def rent_roll(*, month: dt.date, apartments: QuerySet[Apartment]) -> list[RentLine]:
    """Every tenancy that covers part of `month`, with the rent due: the monthly rent times the
    share of the month's days covered, rounded half-up to the fen (docs/apartments.md)."""
    first = month.replace(day=1)
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days_in_month)
    tenancies = (
        Tenancy.objects.filter(bed__apartment__in=apartments, starts_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .select_related("bed__room", "bed__apartment", "rider")
        .order_by("bed__apartment__name", "bed__room__number", "bed__label")
    )
    lines = []
    for tenancy in tenancies:
        start = max(tenancy.starts_on, first)
        end = min(tenancy.ended_on or last, last)
        days = (end - start).days + 1
        amount = (tenancy.monthly_rent * days / days_in_month).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        lines.append(
            RentLine(
                apartment=tenancy.bed.apartment.name,
                room=tenancy.bed.room.number,
                bed=tenancy.bed.label,
                rider_number=tenancy.rider.rider_number,
                rider_name=tenancy.rider.name,
                monthly_rent=tenancy.monthly_rent,
                days=days,
                amount=amount,
            )
        )
    return lines


def pending_offer(*, rider: Rider, now: dt.datetime | None = None) -> Application | None:
    """The bed offered to the rider and not yet answered (Home's first card), with the bed,
    room and apartment it shows: one query. At most one: a rider has one open application.
    An offer past its deadline is left out before the sweep closes it: offer_accept would
    refuse it."""
    found = _PENDING_OFFER.objects(rider_id=rider.pk, now=now or timezone.now())
    return found[0] if found else None


# Home's first card, compiled once per process (core/prepared.py).
_PENDING_OFFER = PreparedModels(
    lambda _shape, rider_id, now: (
        Application.objects.filter(rider_id=rider_id, status=S.OFFERED, offer_expires_at__gt=now)
        .select_related("offered_bed__room__room_type", "offered_bed__apartment")
        .order_by("pk")[:1]
    ),
    rider_id=int,
    now=dt.datetime,
)


def city_obligation(rider: Rider) -> str | None:
    """What ties the rider to their city in apartments (riders/obligations.py): a bed, or a
    place on a waiting list (the list is the city's)."""
    if Tenancy.objects.filter(rider=rider, ended_on__isnull=True).exists():
        return str(_("They have a bed in an apartment; check them out first."))
    if Application.objects.filter(rider=rider, status__in=[S.WAITING, S.OFFERED]).exists():
        return str(_("They are on an apartment waiting list; cancel the application first."))
    return None
