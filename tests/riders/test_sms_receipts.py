"""Delivery receipts: Aliyun's SmsReport push and Tencent's status callback."""

import json

import pytest
from django.utils import timezone

from riders.models import SMSLog, SMSStatus

pytestmark = pytest.mark.django_db

TOKEN = "receipt-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.SMS_RECEIPT_TOKEN = TOKEN


def sent(gateway: str, message_id: str, **fields) -> SMSLog:
    return SMSLog.objects.create(
        kind="bed_offer",
        phone_masked="138****5678",
        gateway=gateway,
        message_id=message_id,
        status=fields.pop("status", SMSStatus.SENT),
        attempts=1,
        sent_at=timezone.now(),
        expires_at=timezone.now(),
        **fields,
    )


def aliyun_report(biz_id: str, success: bool = True, err_code: str = "DELIVERED") -> dict:
    return {
        "phone_number": "13812345678",
        "send_time": "2026-06-12 18:00:01",
        "report_time": "2026-06-12 18:00:05",
        "success": success,
        "err_code": err_code,
        "err_msg": "用户接收成功" if success else "失败",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": "",
    }


def tencent_report(sid: str, status: str = "SUCCESS", errmsg: str = "DELIVRD") -> dict:
    return {
        "user_receive_time": "2026-06-12 18:00:05",
        "nationcode": "86",
        "mobile": "13812345678",
        "report_status": status,
        "errmsg": errmsg,
        "description": "用户短信送达成功" if status == "SUCCESS" else "用户短信未送达",
        "sid": sid,
    }


def post(client, gateway: str, body, token: str = TOKEN):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        f"/sms/receipts/{gateway}/{token}/", data=data, content_type="application/json"
    )


def test_aliyun_receipts_mark_delivered_and_undelivered(client):
    delivered, lost = sent("aliyun", "900619^0"), sent("aliyun", "900620^0")
    response = post(
        client,
        "aliyun",
        [aliyun_report("900619^0"), aliyun_report("900620^0", False, "MK:0001")],
    )
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "成功"}
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert delivered.status == "delivered" and delivered.error_code == ""
    assert timezone.localtime(delivered.finished_at).strftime("%H:%M:%S") == "18:00:05"
    assert (lost.status, lost.error_code) == ("undelivered", "MK:0001")


def test_tencent_receipts_mark_delivered_and_undelivered(client):
    delivered, lost = sent("tencent", "5000:1"), sent("tencent", "5000:2")
    response = post(
        client,
        "tencent",
        [tencent_report("5000:1"), tencent_report("5000:2", "FAIL", "MN:0017")],
    )
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert delivered.status == "delivered"
    assert (lost.status, lost.error_code) == ("undelivered", "MN:0017")


@pytest.mark.parametrize(
    ("gateway", "report"),
    [("aliyun", aliyun_report("900619^0")), ("tencent", tencent_report("900619^0"))],
)
def test_a_replayed_receipt_changes_nothing(client, gateway, report):
    log = sent(gateway, "900619^0")
    assert post(client, gateway, [report]).status_code == 200
    log.refresh_from_db()
    first = (log.status, log.error_code, log.finished_at)
    assert post(client, gateway, [report, report]).status_code == 200
    log.refresh_from_db()
    assert (log.status, log.error_code, log.finished_at) == first == ("delivered", "", first[2])


@pytest.mark.parametrize("gateway", ["aliyun", "tencent"])
def test_a_wrong_or_missing_token_is_404_and_changes_nothing(client, settings, gateway):
    log = sent(gateway, "900619^0")
    body = [aliyun_report("900619^0") if gateway == "aliyun" else tencent_report("900619^0")]
    assert post(client, gateway, body, token="guess").status_code == 404
    assert post(client, gateway, body, token=TOKEN[:-1]).status_code == 404
    settings.SMS_RECEIPT_TOKEN = ""  # receipts off
    assert post(client, gateway, body, token=TOKEN).status_code == 404
    log.refresh_from_db()
    assert log.status == "sent"


def test_a_receipt_for_another_gateway_or_an_unknown_id_is_ignored(client):
    theirs = sent("tencent", "900619^0")
    response = post(client, "aliyun", [aliyun_report("900619^0"), aliyun_report("unknown")])
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == "sent"


def test_a_receipt_never_touches_a_queued_or_failed_row(client):
    failed = sent("aliyun", "1^0", status=SMSStatus.FAILED)
    assert post(client, "aliyun", [aliyun_report("1^0")]).status_code == 200
    failed.refresh_from_db()
    assert failed.status == "failed"


@pytest.mark.parametrize(
    ("gateway", "body"),
    [
        ("aliyun", b"not json"),
        ("aliyun", {"biz_id": "1^0", "success": True}),  # an object, not an array
        ("aliyun", [{"biz_id": "1^0"}]),  # no success
        ("aliyun", [{"biz_id": "", "success": True}]),
        ("aliyun", [aliyun_report("1^0"), {"success": "yes", "biz_id": "2^0"}]),
        ("tencent", [{"sid": "1^0", "report_status": "MAYBE"}]),
        ("tencent", [{"report_status": "SUCCESS"}]),
        ("tencent", ["5000:1"]),
        ("tencent", b"\xff\xfe"),
    ],
)
def test_a_bad_body_is_400_and_applies_nothing(client, gateway, body):
    log = sent(gateway, "1^0")
    response = post(client, gateway, body)
    assert response.status_code == 400
    log.refresh_from_db()
    assert log.status == "sent"  # not even the good report of a bad batch


def test_receipts_accept_post_only(client):
    assert client.get(f"/sms/receipts/aliyun/{TOKEN}/").status_code == 405
