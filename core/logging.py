"""Log formatting and redaction (settings.LOGGING).

`JsonFormatter` writes one JSON object a line (LOG_FORMAT=json) for a log collector.
`RedactPersonalData` is defence in depth on every handler (settings.LOGGING; a test checks
each one has it): whatever a developer logs, a mainland mobile number, an 18-character
resident ID number and an e-mail address leave the process masked — in the message, its args,
`extra=` values and the exception text — and a one-time sign-in code logged by the sign-in path
never leaves it at all (unless LOG_SIGN_IN_CODES=1, the DEBUG default, which the console SMS
sender needs on a laptop). `MaskedExceptionReporter` does the same for the error e-mails to
ADMINS, whose traceback shows local variables and the request (issue 20: no personal data in
logs; the code logs masked numbers at the source too, this catches what slips through).
"""

import datetime as dt
import json
import logging
import re
import traceback

from django.views.debug import ExceptionReporter

# A mainland mobile number not inside a longer run of digits: 13812345678 → 138****1234.
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# A one-time sign-in code (riders.services: 6 digits) or a staff TOTP token (6 digits).
CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
CODE_MASK = "******"
# A resident ID number (居民身份证号码): 17 digits and a digit or X, not inside a longer run of
# digits or letters → 370***********123X (enough to tell two apart, not to use one).
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# An e-mail address → a***@example.com (the domain says which organisation, not who).
EMAIL = re.compile(r"(?<![\w.+-])([\w+-])[\w.+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")

# Loggers of the sign-in paths (rider codes, staff passwords and TOTP), by prefix.
SIGN_IN_LOGGERS = ("riders", "django_otp", "axes")

# Attributes every LogRecord has; anything else was passed as `extra=` and is worth keeping.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def mask_phones(text: str) -> str:
    return PHONE.sub(r"\1****\2", text)


def mask_personal_data(text: str) -> str:
    """Phone numbers, resident ID numbers and e-mail addresses in `text`, masked. The ID first:
    its 18 digits never match a phone (which needs no digit beside it), but keep it simple."""
    text = RESIDENT_ID.sub(r"\1***********\2", text)
    text = EMAIL.sub(r"\1***@\2", text)
    return mask_phones(text)


def redact_codes(text: str) -> str:
    return CODE.sub(CODE_MASK, text)


class RedactPersonalData(logging.Filter):
    def __init__(self, redact_codes: bool = True, code_loggers: tuple[str, ...] = SIGN_IN_LOGGERS):
        super().__init__()
        self.redact_codes = redact_codes
        self.code_loggers = tuple(code_loggers)

    def _clean(self, text: str, record: logging.LogRecord) -> str:
        text = mask_personal_data(text)
        if self.redact_codes and record.name.startswith(self.code_loggers):
            text = redact_codes(text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # Render the message once, clean it, and freeze it: formatters later see only the result.
        record.msg = self._clean(record.getMessage(), record)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text, record)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, self._clean(value, record))
        return True


class MaskedExceptionReporter(ExceptionReporter):
    """The error e-mail's traceback (local variables, request data) with personal data masked:
    the log filter sees only the record, not what AdminEmailHandler builds from exc_info."""

    def get_traceback_text(self) -> str:
        return mask_personal_data(super().get_traceback_text())

    def get_traceback_html(self) -> str:
        return mask_personal_data(super().get_traceback_html())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Sentry ---------------------------------------------------------------------------------
# Keys whose values are never sent, whatever they hold (on top of sentry-sdk's own denylist of
# passwords, tokens, cookies, …).
SENTRY_DENYLIST = ["code", "phone", "otp_token", "token", "secret", "key_hash", "code_hash"]
# Structural keys of an event: ids and timestamps look like digits but are not personal data.
_SENTRY_STRUCTURAL = {
    "event_id",
    "timestamp",
    "start_timestamp",
    "trace_id",
    "span_id",
    "parent_span_id",
    "lineno",
    "colno",
    "release",
    "sdk",
    "modules",
}


def _scrub(value, key: str = ""):
    if key in _SENTRY_STRUCTURAL:
        return value
    if isinstance(value, str):
        return redact_codes(mask_personal_data(value))
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, key) for item in value]
    return value


def sentry_before_send(event: dict, hint: dict) -> dict:
    """Mask phone numbers and drop 6-digit codes anywhere in an error event: messages,
    exception values, breadcrumbs, frame variables, request data."""
    return _scrub(event)
