"""Pluggable SMS senders (settings.SMS_SENDER): the two gateways, the console, memory for tests.

A message is a phone, a kind (riders/sms_templates.py) and the kind's params, never free text:
Chinese gateways send only pre-approved templates. `send` returns the gateway's message id
(Aliyun's BizId, Tencent's SerialNo) or raises SMSError, which says whether trying again later
can help (`transient`: throttling, network, the gateway's 5xx) or not (a bad number, a template
or signature not approved, wrong credentials, no balance). The outbox (riders/sms_outbox.py)
retries the first kind and logs the second as failed.

The console sender writes to the log, like Django's console e-mail backend, so `make run`
works with no SMS account. That is only for development: with DEBUG=0 it refuses to run unless
SMS_CONSOLE_ALLOWED=1, and even then it blanks the code out, so no production log holds one.
"""

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .sms_templates import sms_kind

logger = logging.getLogger("riders.sms")


@dataclass(frozen=True)
class SMSMessage:
    phone: str  # 11 digits, mainland China
    kind: str  # a name in sms_templates.KINDS
    params: Mapping[str, Any] = field(default_factory=dict)
    language: str = ""  # the reader's, for our own rendering (the gateway's template is fixed)
    # The signature approved for the recipient's city (City.sign_name); empty: SMS_SIGN_NAME.
    sign_name: str = ""

    @property
    def signature(self) -> str:
        return self.sign_name or str(settings.SMS_SIGN_NAME)

    @property
    def text(self) -> str:
        """The message in our words, in the reader's language (console, tests, previews)."""
        return sms_kind(self.kind).render(self.params, language=self.language or None)

    def template_params(self) -> dict[str, str]:
        """The params as the gateways take them: strings, by the template's variable names."""
        return {name: str(self.params[name]) for name in sms_kind(self.kind).params}


class SMSError(Exception):
    """The gateway did not take the message. `code` is the gateway's error code (or ours for a
    network failure), `transient` whether a later try may succeed."""

    def __init__(self, code: str, message: str = "", *, transient: bool) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code[:64]
        self.transient = transient


class BaseSMSSender:
    gateway = ""  # what the log row records
    # Sends only the gateway's approved templates: every kind needs SMS_TEMPLATE_<KIND>
    # (checked at start-up, riders/checks.py).
    templated = False

    def send(self, message: SMSMessage, *, timeout: float | None = None) -> str:
        """Send one message; return the gateway's message id or raise SMSError.

        `timeout` (seconds) bounds the whole call; None: settings.SMS_TIMEOUT_SECONDS.
        """
        raise NotImplementedError


class ConsoleSMSSender(BaseSMSSender):
    gateway = "console"

    def __init__(self) -> None:
        # Checked when the sender is made, i.e. before any code is issued (see
        # sign_in_code_request): a production site without a real gateway says so at once.
        if not settings.DEBUG and not settings.SMS_CONSOLE_ALLOWED:
            raise ImproperlyConfigured(
                "SMS_SENDER is riders.sms.ConsoleSMSSender, which only writes to the log, and "
                "DEBUG is off: set SMS_SENDER to a real gateway, or SMS_CONSOLE_ALLOWED=1 to "
                "run without SMS on purpose (codes are then blanked out in the log)."
            )

    def send(self, message: SMSMessage, *, timeout: float | None = None) -> str:
        from .models import mask_phone

        # The number masked even on a laptop (issue 20: masked phones only in logs); the code
        # in the text is what a developer needs.
        if settings.DEBUG:
            logger.warning("SMS to %s: %s", mask_phone(message.phone), message.text)
        else:
            logger.warning(
                "SMS to %s (code hidden, DEBUG=0): %s",
                mask_phone(message.phone),
                re.sub(r"\d{4,}", lambda digits: "*" * len(digits.group()), message.text),
            )
        return ""


# Messages sent through LocmemSMSSender, for tests (like django.core.mail.outbox).
outbox: list[SMSMessage] = []


class LocmemSMSSender(BaseSMSSender):
    gateway = "locmem"

    def send(self, message: SMSMessage, *, timeout: float | None = None) -> str:
        outbox.append(message)
        return f"locmem-{len(outbox)}"


def _endpoint(url: str) -> tuple[str | None, str | None]:
    """SMS_*_ENDPOINT → (protocol, host[:port]) for the SDK; ("", "") unset: the SDK's default.

    A bare host keeps the SDK's HTTPS; "http://127.0.0.1:8125" (a local gateway in the tests,
    a proxy inside the operator's network) switches the SDK's own protocol setting to http.
    """
    if not url:
        return None, None
    if "://" not in url:
        return None, url
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"SMS gateway endpoint {url!r}: use host[:port] or a URL")
    return parts.scheme, parts.netloc


def _required(**values: str | None) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            "SMS_SENDER needs " + ", ".join(missing) + " (docs/sms.md, README Configuration)."
        )


# Aliyun SendSms error codes (dysmsapi 2017-05-25, "错误码"). Only these are worth a retry:
# flow control and the service's own trouble. Everything else — a wrong number, a template
# or signature not approved, wrong keys, no balance, a day's limit — fails the same way again.
ALIYUN_TRANSIENT = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # per-number minute/hour flow control
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "ServiceUnavailable",
        "InternalError",
        "SDK.ServerUnreachable",
    }
)


class AliyunSMSSender(BaseSMSSender):
    """Alibaba Cloud SMS (dysmsapi 2017-05-25 SendSms) through the official SDK.

    Settings: SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET (or _FILE),
    SMS_SIGN_NAME, SMS_ALIYUN_REGION, SMS_ALIYUN_ENDPOINT (unset: the SDK's default),
    SMS_TEMPLATE_<KIND>.
    """

    gateway = "aliyun"
    templated = True

    def __init__(self) -> None:
        _required(
            SMS_ALIYUN_ACCESS_KEY_ID=settings.SMS_ALIYUN_ACCESS_KEY_ID,
            SMS_ALIYUN_ACCESS_KEY_SECRET=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
            SMS_SIGN_NAME=settings.SMS_SIGN_NAME,
        )
        self._client: Any = None

    def _sdk(self) -> Any:
        if self._client is None:
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi.utils_models import Config

            protocol, endpoint = _endpoint(settings.SMS_ALIYUN_ENDPOINT)
            self._client = Client(
                Config(
                    access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
                    access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
                    region_id=settings.SMS_ALIYUN_REGION,
                    endpoint=endpoint,
                    protocol=protocol,
                )
            )
        return self._client

    def send(self, message: SMSMessage, *, timeout: float | None = None) -> str:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
        from darabonba.runtime import RuntimeOptions

        milliseconds = int((timeout or settings.SMS_TIMEOUT_SECONDS) * 1000)
        request = SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=message.signature,
            template_code=sms_kind(message.kind).template_code(),
            template_param=json.dumps(message.template_params(), ensure_ascii=False),
        )
        # No retries inside the SDK: the outbox decides, with its backoff and its log.
        runtime = RuntimeOptions(
            autoretry=False, connect_timeout=milliseconds, read_timeout=milliseconds
        )
        try:
            response = self._sdk().send_sms_with_options(request, runtime)
        except AlibabaCloudException as error:
            code = str(error.code or "") or f"HTTP{error.status_code}"
            server_side = (error.status_code or 0) >= 500
            raise SMSError(
                code, str(error.message or ""), transient=server_side or code in ALIYUN_TRANSIENT
            ) from error
        except Exception as error:
            # The SDK's own errors for a refused, reset or timed-out connection.
            raise SMSError("network", type(error).__name__, transient=True) from error
        body = response.body
        if body is None or body.code != "OK":
            code = (body.code if body else "") or "no_body"
            raise SMSError(
                code, (body.message if body else "") or "", transient=code in ALIYUN_TRANSIENT
            )
        return str(body.biz_id or "")


# Tencent Cloud SMS (sms 2021-01-11) error codes. Retry: API rate limits, the per-number
# 30-second and one-hour limits, the service's internal errors and network failures.
TENCENT_TRANSIENT = frozenset(
    {
        "RequestLimitExceeded",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "InternalError",
        "InternalError.Timeout",
        "InternalError.SendAndRecvFail",
        "InternalError.OtherError",
        "InternalError.UnknownError",
        "InternalError.RpcInvokeError",
        "ClientNetworkError",
        "ServerNetworkError",
    }
)


class TencentSMSSender(BaseSMSSender):
    """Tencent Cloud SMS (sms 2021-01-11 SendSms) through the official SDK.

    Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY (or _FILE), SMS_TENCENT_SDK_APP_ID,
    SMS_SIGN_NAME, SMS_TENCENT_REGION, SMS_TENCENT_ENDPOINT (unset: the SDK's default),
    SMS_TEMPLATE_<KIND> (Tencent's numeric template ids).
    """

    gateway = "tencent"
    templated = True

    def __init__(self) -> None:
        _required(
            SMS_TENCENT_SECRET_ID=settings.SMS_TENCENT_SECRET_ID,
            SMS_TENCENT_SECRET_KEY=settings.SMS_TENCENT_SECRET_KEY,
            SMS_TENCENT_SDK_APP_ID=settings.SMS_TENCENT_SDK_APP_ID,
            SMS_SIGN_NAME=settings.SMS_SIGN_NAME,
        )

    def _sdk(self, timeout: float) -> Any:
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client import SmsClient

        protocol, endpoint = _endpoint(settings.SMS_TENCENT_ENDPOINT)
        http = HttpProfile(protocol=protocol, endpoint=endpoint, reqTimeout=max(1, int(timeout)))
        return SmsClient(
            Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY),
            settings.SMS_TENCENT_REGION,
            ClientProfile(httpProfile=http),
        )

    def send(self, message: SMSMessage, *, timeout: float | None = None) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        request = SendSmsRequest()
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        request.SignName = message.signature
        request.TemplateId = sms_kind(message.kind).template_code()
        request.TemplateParamSet = list(message.template_params().values())
        request.PhoneNumberSet = [f"+86{message.phone}"]
        try:
            response = self._sdk(timeout or settings.SMS_TIMEOUT_SECONDS).SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.get_code() or "") or "unknown"
            transient = code in TENCENT_TRANSIENT or code.startswith("InternalError")
            raise SMSError(
                code, str(error.get_message() or "")[:200], transient=transient
            ) from error
        except Exception as error:
            raise SMSError("network", type(error).__name__, transient=True) from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SMSError("no_status", "SendStatusSet is empty", transient=False)
        status = statuses[0]
        if status.Code != "Ok":
            code = str(status.Code or "unknown")
            raise SMSError(code, str(status.Message or ""), transient=code in TENCENT_TRANSIENT)
        return str(status.SerialNo or "")


def get_sms_sender() -> BaseSMSSender:
    sender: BaseSMSSender = import_string(settings.SMS_SENDER)()
    return sender
