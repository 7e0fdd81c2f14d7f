"""Import the delivery platform's rider roster (CSV export).

Upsert by rider number, one transaction per batch; bad rows are reported with their line
numbers and reasons while good rows import; running the same file again changes nothing.

Riders missing from the file are left as they are, never deactivated: a partial export must not
switch off thousands of riders (docs/decisions.md). Deactivation is an admin action.

Every row is of one city (issue 19): an optional `city` column (the code, e.g. jinan, or the
Chinese name 济南), else the city the import is for (`--city`, or the staff member's own).
Districts are looked up in that city only, so two cities' 市中区 never mix; an unknown city,
a district of another city, or a rider who is another city's (moving is rider_move_city) is a
bad row. Staff of one city import into their city only.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import City, District, User
from core.tenancy import sees_all_cities, staff_city_id

from .models import Rider, Tier, TierPeriod, rider_number_validator
from .phones import phone_digest
from .services import normalise_phone, tier_changes_apply

COLUMNS = ("rider_number", "name", "phone", "district", "station", "join_date", "tier")
UPDATABLE = ("name", "phone", "district_id", "station", "joined_on")


class RosterRejected(DomainError):
    """The file as a whole cannot be imported (wrong encoding, header, empty)."""

    code = "roster_rejected"


@dataclass
class BadRow:
    line: int
    rider_number: str
    reason: str


@dataclass
class RosterImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)


@dataclass(frozen=True)
class RosterRow:
    line: int
    rider_number: str
    name: str
    phone: str
    district: District
    station: str
    joined_on: dt.date
    tier: str


def read_roster(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """Decode the export (UTF-8, with or without BOM) and yield (line number, row)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterRejected(
            _("The file is not UTF-8 text. Export the roster as CSV (UTF-8) and try again.")
        ) from None
    if not text.strip():
        raise RosterRejected(_("The file is empty."))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise RosterRejected(
            _("The header row lacks the column(s): %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ",".join(COLUMNS)}
        )
    reader.fieldnames = header
    for row in reader:
        # The header is line 1; a quoted field with a newline makes line_num jump, which is
        # what a spreadsheet would show too.
        yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}


def _district_lookup() -> dict[tuple[int, str], District]:
    """(city id, name or alias) → district: a name means a district within one city only."""
    lookup: dict[tuple[int, str], District] = {}
    for district in District.objects.all():
        lookup[district.city_id, district.name] = district
        if district.alias:
            lookup[district.city_id, district.alias] = district
    return lookup


def _city_lookup() -> dict[str, City]:
    lookup: dict[str, City] = {}
    for city in City.objects.all():
        for key in (city.code, city.name, city.name_en):
            if key:
                lookup[key.casefold()] = city
    return lookup


class _Cities:
    """Which city a row is of: its `city` column, else the import's city."""

    def __init__(self, city: City | None, only_city_id: int | None) -> None:
        self.by_key = _city_lookup()
        self.default = city
        self.only_city_id = only_city_id  # staff of one city: nothing else
        all_cities = {c.pk: c for c in self.by_key.values()}
        if self.default is None and len(all_cities) == 1:
            # One city served (as before issue 19): a file without cities is its.
            self.default = next(iter(all_cities.values()))

    def of(self, raw: dict[str, str]) -> City:
        named = raw.get("city", "")
        if named:
            city = self.by_key.get(named.casefold())
            if city is None:
                raise ValueError(_("unknown city “%(value)s”") % {"value": named})
            if self.default is not None and city.pk != self.default.pk:
                raise ValueError(
                    _("the row is for %(row)s, the import for %(city)s")
                    % {"row": city, "city": self.default}
                )
        elif self.default is not None:
            city = self.default
        else:
            raise ValueError(_("the row names no city; add a city column or choose the city"))
        if self.only_city_id is not None and city.pk != self.only_city_id:
            raise ValueError(_("you can only import riders of your own city"))
        return city


def _parse(
    line: int,
    raw: dict[str, str],
    districts: dict[tuple[int, str], District],
    city: City | None = None,
) -> RosterRow:
    number = raw.get("rider_number", "")
    try:
        rider_number_validator(number)
    except ValidationError:
        raise ValueError(_("rider number “%(value)s” is not valid") % {"value": number}) from None
    name = raw.get("name", "")
    if not name or len(name) > 50:
        raise ValueError(_("name is empty or longer than 50 characters"))
    phone = normalise_phone(raw.get("phone", ""))
    if not phone:
        raise ValueError(
            _("phone “%(value)s” is not a mobile number") % {"value": raw.get("phone")}
        )
    district = districts.get((city.pk, raw.get("district", ""))) if city is not None else None
    if district is None:
        if any(name == raw.get("district", "") for _city_id, name in districts):
            raise ValueError(
                _("district “%(value)s” is not in %(city)s")
                % {"value": raw.get("district"), "city": city}
            )
        raise ValueError(_("unknown district “%(value)s”") % {"value": raw.get("district")})
    station = raw.get("station", "")
    if len(station) > 100:
        raise ValueError(_("station is longer than 100 characters"))
    try:
        joined_on = dt.date.fromisoformat(raw.get("join_date", ""))
    except ValueError:
        raise ValueError(
            _("join date “%(value)s” is not a date like 2024-03-15")
            % {"value": raw.get("join_date")}
        ) from None
    if joined_on > timezone.localdate():
        raise ValueError(_("join date %(value)s is in the future") % {"value": joined_on})
    tier = raw.get("tier", "")
    if tier not in Tier.values:
        raise ValueError(
            _("tier “%(value)s” is not one of regular, honour, captain") % {"value": tier}
        )
    return RosterRow(line, number, name, phone, district, station, joined_on, tier)


def roster_import(
    *,
    data: bytes,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    city: City | None = None,
    by: User | None = None,
) -> RosterImportReport:
    """Import a roster export. Raises RosterRejected if the file as a whole is unusable.

    `city`: the city the file is for (rows may name it in a `city` column instead); `by`: the
    staff member importing, who can import into their own city only (national admins: any).
    """
    batch_size = batch_size or settings.ROSTER_IMPORT_BATCH_SIZE
    only_city_id = staff_city_id(by) if by is not None else None
    if by is not None and only_city_id is None and not sees_all_cities(by):
        raise RosterRejected(_("Your account has no city; ask a national admin to set it."))
    if city is None and only_city_id is not None:
        city = City.objects.get(pk=only_city_id)
    cities = _Cities(city, only_city_id)
    districts = _district_lookup()
    report = RosterImportReport()
    seen_numbers: set[str] = set()
    seen_phones: dict[str, str] = {}
    batch: list[RosterRow] = []
    for line, raw in read_roster(data):
        report.rows += 1
        try:
            row = _parse(line, raw, districts, cities.of(raw))
            if row.rider_number in seen_numbers:
                raise ValueError(_("rider number appears earlier in the file"))
            if seen_phones.get(row.phone, row.rider_number) != row.rider_number:
                raise ValueError(
                    _("phone is already used by rider %(number)s earlier in the file")
                    % {"number": seen_phones[row.phone]}
                )
        except ValueError as error:
            report.bad_rows.append(BadRow(line, raw.get("rider_number", ""), str(error)))
            continue
        seen_numbers.add(row.rider_number)
        seen_phones[row.phone] = row.rider_number
        batch.append(row)
        if len(batch) >= batch_size:
            _import_batch(batch, report)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _import_batch(batch, report)
        if progress:
            progress(len(batch))
    report.bad_rows.sort(key=lambda bad: bad.line)
    return report


def _import_batch(rows: list[RosterRow], report: RosterImportReport) -> None:
    with transaction.atomic():
        existing = {
            rider.rider_number: rider
            for rider in Rider.objects.select_for_update().filter(
                rider_number__in=[row.rider_number for row in rows]
            )
        }
        # Phones owned by riders who are not this row's rider (in the database).
        # (Found by the numbers' keyed hashes: the stored numbers are encrypted.)
        digests = {phone_digest(row.phone): row.phone for row in rows}
        phone_owners = {
            digests[digest]: number
            for digest, number in Rider.objects.filter(phone_hash__in=digests).values_list(
                "phone_hash", "rider_number"
            )
        }
        to_create: list[RosterRow] = []
        to_update: list[Rider] = []
        tier_changes: list[tuple[Rider, str]] = []
        city_of = dict(
            District.objects.filter(pk__in={r.district_id for r in existing.values()}).values_list(
                "pk", "city_id"
            )
        )
        for row in rows:
            owner = phone_owners.get(row.phone)
            if owner is not None and owner != row.rider_number:
                report.bad_rows.append(
                    BadRow(
                        row.line,
                        row.rider_number,
                        _("phone is already used by rider %(number)s") % {"number": owner},
                    )
                )
                continue
            rider = existing.get(row.rider_number)
            if rider is None:
                to_create.append(row)
                continue
            if city_of.get(rider.district_id) != row.district.city_id:
                # The history stays with the old city: moves are riders.services.rider_move_city.
                report.bad_rows.append(
                    BadRow(
                        row.line,
                        row.rider_number,
                        _("the rider is another city's; move them to this city in the admin first"),
                    )
                )
                continue
            changed = _apply(rider, row)
            if changed:
                to_update.append(rider)
            if rider.tier != row.tier:
                tier_changes.append((rider, row.tier))
            if changed or rider.tier != row.tier:
                report.updated += 1
            else:
                report.unchanged += 1
        _create(to_create)
        report.created += len(to_create)
        if to_update:
            now = timezone.now()
            for rider in to_update:
                rider.updated_at = now
                rider.phone_hash_fill()
            Rider.objects.bulk_update(
                to_update, [*UPDATABLE, "phone_hash", "updated_at"], batch_size=1000
            )
        tier_changes_apply(changes=tier_changes)


def _apply(rider: Rider, row: RosterRow) -> bool:
    values = {
        "name": row.name,
        "phone": row.phone,
        "district_id": row.district.pk,
        "station": row.station,
        "joined_on": row.joined_on,
    }
    changed = False
    for attribute, value in values.items():
        if getattr(rider, attribute) != value:
            setattr(rider, attribute, value)
            changed = True
    return changed


def _create(rows: list[RosterRow]) -> None:
    if not rows:
        return
    unusable = make_password(None)
    usernames = [f"rider-{row.rider_number}" for row in rows]
    # An account left behind by a rider record deleted in the admin is reused, not duplicated.
    accounts = User.objects.in_bulk(usernames, field_name="username")
    new_accounts = User.objects.bulk_create(
        [User(username=name, password=unusable) for name in usernames if name not in accounts],
        batch_size=1000,
    )
    accounts.update({user.username: user for user in new_accounts})
    users = [accounts[name] for name in usernames]
    riders = Rider.objects.bulk_create(
        [
            Rider(
                user=user,
                rider_number=row.rider_number,
                name=row.name,
                phone=row.phone,
                district=row.district,
                station=row.station,
                joined_on=row.joined_on,
                tier=row.tier,
            )
            for user, row in zip(users, rows, strict=True)
        ],
        batch_size=1000,
    )
    TierPeriod.objects.bulk_create(
        [TierPeriod(rider=rider, tier=rider.tier, started_on=rider.joined_on) for rider in riders],
        batch_size=1000,
    )
