"""Pluggable SMS senders for one-time sign-in codes (settings.SMS_SENDER).

A real gateway is a subclass with its own `send`; the default writes to the log, like Django's
console e-mail backend, so `make run` works with no SMS account. Writing codes to the log is
only for development: with DEBUG=0 the console sender refuses to run unless
SMS_CONSOLE_ALLOWED=1, and even then it blanks the code out, so no production log holds one.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("riders.sms")


@dataclass(frozen=True)
class SMSMessage:
    phone: str
    text: str


class BaseSMSSender:
    def send(self, message: SMSMessage) -> None:
        raise NotImplementedError


class ConsoleSMSSender(BaseSMSSender):
    def __init__(self) -> None:
        # Checked when the sender is made, i.e. before any code is issued (see
        # sign_in_code_request): a production site without a real gateway says so at once.
        if not settings.DEBUG and not settings.SMS_CONSOLE_ALLOWED:
            raise ImproperlyConfigured(
                "SMS_SENDER is riders.sms.ConsoleSMSSender, which only writes to the log, and "
                "DEBUG is off: set SMS_SENDER to a real gateway, or SMS_CONSOLE_ALLOWED=1 to "
                "run without SMS on purpose (codes are then blanked out in the log)."
            )

    def send(self, message: SMSMessage) -> None:
        if settings.DEBUG:
            logger.warning("SMS to %s: %s", message.phone, message.text)
        else:
            from .models import mask_phone

            logger.warning(
                "SMS to %s (code hidden, DEBUG=0): %s",
                mask_phone(message.phone),
                re.sub(r"\d{4,}", lambda digits: "*" * len(digits.group()), message.text),
            )


# Messages sent through LocmemSMSSender, for tests (like django.core.mail.outbox).
outbox: list[SMSMessage] = []


class LocmemSMSSender(BaseSMSSender):
    def send(self, message: SMSMessage) -> None:
        outbox.append(message)


def get_sms_sender() -> BaseSMSSender:
    return import_string(settings.SMS_SENDER)()
