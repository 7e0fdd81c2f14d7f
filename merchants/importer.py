"""Import partner merchants from CSV, with the roster import's rules: UTF-8 (BOM or not), a
header with the required columns, good rows imported while bad rows are reported with their
line numbers and reasons, one transaction per batch, and re-running the same file changes
nothing (upsert by name and address).

Columns: name, kind, address, district, latitude, longitude, services, hours,
discount_note, partner_since.
- services: keys separated by "|": water|charging|toilet|rest|ebike_charging|battery_swap|
  repair|discount ("charging" is a phone charger)
- hours: "24h", or periods separated by ";" like "mon-fri 08:00-22:00; sat,sun 09:00-02:00"
  ("daily" for every day; a closing time at or before the opening time runs past midnight).
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import District

from .models import Merchant, OpeningHours

COLUMNS = ("name", "kind", "address", "district", "latitude", "longitude", "services", "hours")
FLAGS = {
    "water": "has_water",
    "charging": "has_charging",
    "toilet": "has_toilet",
    "rest": "has_rest_seat",
    "ebike_charging": "has_ebike_charging",
    "battery_swap": "has_battery_swap",
    "repair": "has_ebike_repair",
    "discount": "has_discount",
}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PERIOD = re.compile(r"^(?P<days>[a-z,\-]+)\s+(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})$")
BATCH = 1000


class ImportRejected(DomainError):
    code = "import_rejected"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def parse_days(text: str) -> list[int]:
    if text == "daily":
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            start, end = (DAYS.index(p) for p in part.split("-"))
            days += (
                list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(end + 1)]
            )
        else:
            days.append(DAYS.index(part))
    return days


def parse_hours(text: str) -> tuple[bool, list[tuple[int, dt.time, dt.time]]]:
    """(open 24 h, periods). Raises ValueError with a readable reason."""
    text = text.strip().lower()
    if text in ("24h", "24/7"):
        return True, []
    periods = []
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        match = PERIOD.match(chunk)
        if not match:
            raise ValueError(_("cannot read the opening hours “%(hours)s”") % {"hours": chunk})
        try:
            days = parse_days(match["days"])
            opens = dt.time.fromisoformat(match["opens"].zfill(5))
            closes = dt.time.fromisoformat(match["closes"].zfill(5))
        except ValueError:
            raise ValueError(
                _("cannot read the opening hours “%(hours)s”") % {"hours": chunk}
            ) from None
        periods += [(day, opens, closes) for day in days]
    return False, periods


def import_merchants(data: bytes, *, city_id: int | None = None) -> ImportReport:
    """`city_id`: districts are that city's only (a city's staff import into their city); a
    district of another city is a bad row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(_("The file is not UTF-8 text. Save it as CSV (UTF-8).")) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected(
            _("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    in_city = District.objects.all() if city_id is None else District.objects.filter(city=city_id)
    districts = {d.name: d for d in in_city}
    report = ImportReport()
    batch: list[tuple[int, dict]] = []
    for line, row in enumerate(reader, start=2):
        report.rows += 1
        try:
            batch.append((line, _clean(row, districts)))
        except ValueError as error:
            report.bad_rows.append((line, str(error)))
        if len(batch) >= BATCH:
            _save(batch, report)
            batch = []
    if batch:
        _save(batch, report)
    return report


def _clean(row: dict, districts: dict) -> dict:
    name, address = (row.get("name") or "").strip(), (row.get("address") or "").strip()
    if not name or not address:
        raise ValueError(_("name and address are required"))
    kind = (row.get("kind") or "").strip()
    if kind not in Merchant.Kind.values:
        raise ValueError(_("unknown kind “%(kind)s”") % {"kind": kind})
    district = districts.get((row.get("district") or "").strip())
    if district is None:
        raise ValueError(_("unknown district “%(district)s”") % {"district": row.get("district")})
    try:
        lat = Decimal(row["latitude"].strip()).quantize(Decimal("0.000001"))
        lng = Decimal(row["longitude"].strip()).quantize(Decimal("0.000001"))
    except (InvalidOperation, AttributeError):
        raise ValueError(_("latitude and longitude must be numbers")) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError(_("latitude or longitude out of range"))
    services = {s.strip() for s in (row.get("services") or "").split("|") if s.strip()}
    unknown = services - FLAGS.keys()
    if unknown:
        raise ValueError(_("unknown services: %(services)s") % {"services": ", ".join(unknown)})
    open_24h, periods = parse_hours(row.get("hours") or "")
    partner_since = None
    if (row.get("partner_since") or "").strip():
        try:
            partner_since = dt.date.fromisoformat(row["partner_since"].strip())
        except ValueError:
            raise ValueError(_("partner_since must be a date like 2025-06-01")) from None
    fields = {
        "kind": kind,
        "district": district,
        "latitude": lat,
        "longitude": lng,
        "discount_note": (row.get("discount_note") or "").strip()[:200],
        "open_24h": open_24h,
        "partner_since": partner_since,
        **{flag: key in services for key, flag in FLAGS.items()},
    }
    return {"name": name, "address": address, "fields": fields, "periods": periods}


def _save(batch: list[tuple[int, dict]], report: ImportReport) -> None:
    with transaction.atomic():
        for _line, item in batch:
            merchant = Merchant.objects.filter(name=item["name"], address=item["address"]).first()
            periods = sorted(item["periods"])
            if merchant is None:
                merchant = Merchant.objects.create(
                    name=item["name"], address=item["address"], **item["fields"]
                )
                report.created += 1
            else:
                current = sorted(merchant.hours.values_list("weekday", "opens", "closes"))
                changed = (
                    any(getattr(merchant, key) != value for key, value in item["fields"].items())
                    or current != periods
                )
                if not changed:
                    report.unchanged += 1
                    continue
                for key, value in item["fields"].items():
                    setattr(merchant, key, value)
                merchant.save()
                merchant.hours.all().delete()
                report.updated += 1
            OpeningHours.objects.bulk_create(
                OpeningHours(merchant=merchant, weekday=d, opens=o, closes=c) for d, o, c in periods
            )
