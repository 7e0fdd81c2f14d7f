"""Import the delivery platform's rider roster (CSV export).

Upsert by rider number, one transaction per batch; bad rows are reported with their line
numbers and reasons while good rows import; running the same file again changes nothing.

Riders missing from the file are left as they are, never deactivated: a partial export must not
switch off thousands of riders (docs/decisions.md). Deactivation is an admin action.
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
from core.models import District, User

from .models import Rider, Tier, TierPeriod, rider_number_validator
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


def _district_lookup() -> dict[str, District]:
    lookup: dict[str, District] = {}
    for district in District.objects.all():
        lookup[district.name] = district
        if district.alias:
            lookup[district.alias] = district
    return lookup


def _parse(line: int, raw: dict[str, str], districts: dict[str, District]) -> RosterRow:
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
    district = districts.get(raw.get("district", ""))
    if district is None:
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
) -> RosterImportReport:
    """Import a roster export. Raises RosterRejected if the file as a whole is unusable."""
    batch_size = batch_size or settings.ROSTER_IMPORT_BATCH_SIZE
    districts = _district_lookup()
    report = RosterImportReport()
    seen_numbers: set[str] = set()
    seen_phones: dict[str, str] = {}
    batch: list[RosterRow] = []
    for line, raw in read_roster(data):
        report.rows += 1
        try:
            row = _parse(line, raw, districts)
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
        phone_owners = dict(
            Rider.objects.filter(phone__in=[row.phone for row in rows]).values_list(
                "phone", "rider_number"
            )
        )
        to_create: list[RosterRow] = []
        to_update: list[Rider] = []
        tier_changes: list[tuple[Rider, str]] = []
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
            Rider.objects.bulk_update(to_update, [*UPDATABLE, "updated_at"], batch_size=1000)
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
