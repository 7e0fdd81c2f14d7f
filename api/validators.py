"""Input checks shared by the department API and Open311, so that no input reaches the database
or the decimal module in a form that makes them raise (a 500) instead of a 400.

Each function raises django.core.exceptions.ValidationError with a translated message; the
interface maps it to its own error shape.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# Tab, newline and carriage return are ordinary text; every other C0/C1 control character
# (NUL above all: PostgreSQL refuses it in text) and lone surrogates are not.
ALLOWED_CONTROLS = frozenset("\t\n\r")
# No report is older than the portal; a client asking for "everything" sends 1970 or 2000, one
# asking for "until further notice" 2999. Outside this, date arithmetic overflows.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses beyond ±15:59.
MAX_OFFSET = dt.timedelta(hours=14)
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]{1,4}(\.[0-9]{1,20})?")


def refuse_control_characters(value: str, *, name: str) -> str:
    """`value` unchanged, or ValidationError when it holds a control character."""
    for char in value:
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValidationError(
                _("%(name)s contains a control character (such as NUL), which is not allowed.")
                % {"name": name},
                code="control_character",
            )
    return value


def aware_datetime(value: str, *, name: str) -> dt.datetime:
    """An ISO 8601 date and time, aware (naive means Asia/Shanghai), with a real UTC offset and
    between 1900 and 2999."""
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        parsed = None
    if parsed is None:
        raise ValidationError(
            _("%(name)s is not an ISO 8601 date and time.") % {"name": name}, code="invalid"
        )
    if timezone.is_aware(parsed):
        offset = parsed.utcoffset()
        if abs(offset) > MAX_OFFSET:
            raise ValidationError(
                _("%(name)s has a UTC offset beyond ±14 hours.") % {"name": name},
                code="invalid_offset",
            )
    else:
        try:
            parsed = timezone.make_aware(parsed)
        except (OverflowError, ValueError):
            parsed = None
    try:
        in_range = parsed is not None and EARLIEST <= parsed < LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValidationError(
            _("%(name)s must be between the years 1900 and 2999.") % {"name": name},
            code="out_of_range",
        )
    return parsed


def bounded_int(value: str, *, name: str, minimum: int, maximum: int) -> int:
    """A whole number written in ASCII digits, from `minimum` to `maximum`."""
    value = value.strip()
    if not WHOLE_NUMBER.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise ValidationError(
            _("%(name)s must be a whole number from %(minimum)d to %(maximum)d.")
            % {"name": name, "minimum": minimum, "maximum": maximum},
            code="out_of_range",
        )
    return int(value)


def finite_decimal(value: str, *, name: str) -> Decimal:
    """A plain decimal number (digits, an optional point and sign): never NaN, Infinity or an
    exponent, which Decimal would accept and later comparisons or quantize() would choke on."""
    value = value.strip()
    if not PLAIN_DECIMAL.fullmatch(value):
        raise ValidationError(_("%(name)s is not a number.") % {"name": name}, code="invalid")
    try:
        number = Decimal(value)
    except InvalidOperation:  # the pattern makes this unreachable; kept as a guard
        raise ValidationError(
            _("%(name)s is not a number.") % {"name": name}, code="invalid"
        ) from None
    return number
