"""Log formatting and redaction (settings.LOGGING).

`JsonFormatter` writes one JSON object a line (LOG_FORMAT=json) for a log collector.
`RedactPersonalData` is defence in depth on the console handler: whatever a developer logs,
a rider's phone number leaves the process masked, and a one-time sign-in code logged by the
sign-in path never leaves it at all (unless LOG_SIGN_IN_CODES=1, the DEBUG default, which the
console SMS sender needs on a laptop).
"""

import datetime as dt
import json
import logging
import re
import traceback

# A mainland mobile number not inside a longer run of digits: 13812345678 → 138****1234.
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# A one-time sign-in code (riders.services: 6 digits) or a staff TOTP token (6 digits).
CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
CODE_MASK = "******"

# Loggers of the sign-in paths (rider codes, staff passwords and TOTP), by prefix.
SIGN_IN_LOGGERS = ("riders", "django_otp", "axes")

# Attributes every LogRecord has; anything else was passed as `extra=` and is worth keeping.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def mask_phones(text: str) -> str:
    return PHONE.sub(r"\1****\2", text)


def redact_codes(text: str) -> str:
    return CODE.sub(CODE_MASK, text)


class RedactPersonalData(logging.Filter):
    def __init__(self, redact_codes: bool = True, code_loggers: tuple[str, ...] = SIGN_IN_LOGGERS):
        super().__init__()
        self.redact_codes = redact_codes
        self.code_loggers = tuple(code_loggers)

    def _clean(self, text: str, record: logging.LogRecord) -> str:
        text = mask_phones(text)
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
        return redact_codes(mask_phones(value))
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, key) for item in value]
    return value


def sentry_before_send(event: dict, hint: dict) -> dict:
    """Mask phone numbers and drop 6-digit codes anywhere in an error event: messages,
    exception values, breadcrumbs, frame variables, request data."""
    return _scrub(event)
