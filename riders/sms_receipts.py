"""Delivery receipts the gateways push to us (状态报告): one endpoint per gateway.

The URL carries a secret (SMS_RECEIPT_TOKEN) the operator enters in the gateway's console as
the callback address: neither gateway signs its callbacks, so the secret path is what tells
their reports from anyone's. A wrong or unset token is a 404, compared in constant time. A body
that is not the gateway's documented JSON is a 400 and changes nothing; ids we do not know are
ignored with a 200 (the gateway would otherwise push them again); a report applied twice
leaves the row as once (riders/sms_outbox.py, sms_receipts_apply).
"""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .sms_outbox import Receipt, sms_receipts_apply


class BadReceipt(ValueError):
    pass


def _report_time(value: Any) -> dt.datetime | None:
    """'2026-06-12 18:00:05', the gateways' local (China) time; absent or unreadable: now."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(parsed, timezone.get_default_timezone())


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise BadReceipt(f"{key} missing")
    return str(value).strip()


def aliyun_receipt(item: dict[str, Any]) -> Receipt:
    """Aliyun's SmsReport: {"biz_id", "success": true/false, "err_code", "report_time", …}."""
    if not isinstance(item.get("success"), bool):
        raise BadReceipt("success must be true or false")
    return Receipt(
        message_id=_text(item, "biz_id"),
        delivered=item["success"],
        error_code=str(item.get("err_code") or ""),
        at=_report_time(item.get("report_time")),
    )


def tencent_receipt(item: dict[str, Any]) -> Receipt:
    """Tencent's status callback: {"sid", "report_status": "SUCCESS"/"FAIL", "errmsg", …}."""
    status = item.get("report_status")
    if status not in {"SUCCESS", "FAIL"}:
        raise BadReceipt("report_status must be SUCCESS or FAIL")
    return Receipt(
        message_id=_text(item, "sid"),
        delivered=status == "SUCCESS",
        error_code=str(item.get("errmsg") or ""),
        at=_report_time(item.get("user_receive_time")),
    )


def _receipts_view(
    gateway: str, parse: Callable[[dict[str, Any]], Receipt], ok: dict[str, Any], bad: dict
) -> Callable[..., JsonResponse]:
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest, token: str) -> JsonResponse:
        expected = settings.SMS_RECEIPT_TOKEN
        if not expected or not constant_time_compare(token, expected):
            raise Http404
        try:
            items = json.loads(request.body)
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise BadReceipt("expected a JSON array of objects")
            receipts = [parse(item) for item in items]
        except (ValueError, UnicodeDecodeError) as error:  # BadReceipt and JSONDecodeError too
            return JsonResponse({**bad, "detail": str(error)[:200]}, status=400)
        with transaction.atomic():
            sms_receipts_apply(gateway=gateway, receipts=receipts)
        return JsonResponse(ok)

    view.__name__ = f"{gateway}_receipts"
    return view


# The answers each gateway's documentation asks for.
aliyun_receipts = _receipts_view(
    "aliyun", aliyun_receipt, {"code": 0, "msg": "成功"}, {"code": 1, "msg": "bad request"}
)
tencent_receipts = _receipts_view(
    "tencent", tencent_receipt, {"result": 0, "errmsg": "OK"}, {"result": 1, "errmsg": "bad"}
)
