"""Pluggable SMS senders for one-time sign-in codes (settings.SMS_SENDER).

A real gateway is a subclass with its own `send`; the default writes to the log, like Django's
console e-mail backend, so `make run` works with no SMS account.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
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
    def send(self, message: SMSMessage) -> None:
        logger.warning("SMS to %s: %s", message.phone, message.text)


# Messages sent through LocmemSMSSender, for tests (like django.core.mail.outbox).
outbox: list[SMSMessage] = []


class LocmemSMSSender(BaseSMSSender):
    def send(self, message: SMSMessage) -> None:
        outbox.append(message)


def get_sms_sender() -> BaseSMSSender:
    return import_string(settings.SMS_SENDER)()
