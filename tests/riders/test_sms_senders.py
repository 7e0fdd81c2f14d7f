"""The gateway senders on the real SDKs, against local gateways that check their signatures."""

import json
import os
import socket
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from riders import sms
from riders.sms import SMSError, SMSMessage
from riders.sms_templates import KINDS

from . import sms_gateways as gw

PHONE = "13812345678"
CODE_MESSAGE = SMSMessage(PHONE, "sign_in_code", {"code": "042917", "minutes": 5})


@pytest.fixture(params=["aliyun", "tencent"])
def gateway(request):
    return request.param, request.getfixturevalue(f"{request.param}_gateway")


def test_aliyun_sends_the_template_code_params_and_sign_name_signed(aliyun_gateway):
    message_id = sms.get_sms_sender().send(CODE_MESSAGE)
    (received,) = aliyun_gateway.requests
    assert received.signature_ok  # recomputed from the raw request with the test's secret
    assert received.headers["authorization"].startswith(
        f"ACS3-HMAC-SHA256 Credential={gw.ALIYUN_KEY_ID},"
    )
    assert received.headers["x-acs-action"] == "SendSms"
    assert received.headers["x-acs-version"] == "2017-05-25"
    assert received.query["PhoneNumbers"] == PHONE
    assert received.query["SignName"] == gw.SIGN_NAME
    assert received.query["TemplateCode"] == gw.TEMPLATES["aliyun"]["sign_in_code"]
    assert json.loads(received.query["TemplateParam"]) == {"code": "042917", "minutes": "5"}
    assert message_id.startswith("9006197469") and message_id.endswith("^0")  # the BizId


def test_tencent_sends_the_template_id_params_in_order_and_the_app_signed(tencent_gateway):
    message_id = sms.get_sms_sender().send(
        SMSMessage(PHONE, "bed_offer", {"apartment": "李村公寓", "deadline": "06-12 18:00"})
    )
    (received,) = tencent_gateway.requests
    assert received.signature_ok
    assert received.headers["authorization"].startswith(
        f"TC3-HMAC-SHA256 Credential={gw.TENCENT_SECRET_ID}/"
    )
    assert received.headers["x-tc-action"] == "SendSms"
    assert received.headers["x-tc-version"] == "2021-01-11"
    assert received.headers["x-tc-region"] == "ap-guangzhou"
    assert received.json() == {
        "PhoneNumberSet": [f"+86{PHONE}"],
        "SmsSdkAppId": gw.TENCENT_APP_ID,
        "SignName": gw.SIGN_NAME,
        "TemplateId": gw.TEMPLATES["tencent"]["bed_offer"],
        "TemplateParamSet": ["李村公寓", "06-12 18:00"],  # KINDS["bed_offer"].params order
    }
    assert message_id.startswith("5000:")  # the SerialNo


def test_a_wrong_secret_is_refused_by_the_gateway_and_not_retried(gateway, settings):
    kind, local = gateway
    if kind == "aliyun":
        settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    else:
        settings.SMS_TENCENT_SECRET_KEY = "not-the-secret"
    with pytest.raises(SMSError) as refused:
        sms.get_sms_sender().send(CODE_MESSAGE)
    assert not local.requests[0].signature_ok
    assert refused.value.code in {"SignatureDoesNotMatch", "AuthFailure.SignatureFailure"}
    assert refused.value.transient is False


@pytest.mark.parametrize(
    ("answer", "code", "transient"),
    [
        (gw.aliyun_error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"), None, True),
        (gw.aliyun_error("Throttling.User", "Request was denied", 400), None, True),
        (gw.aliyun_error("ServiceUnavailable", "The request has failed", 503), None, True),
        (gw.aliyun_error("InternalError", "The request processing has failed", 500), None, True),
        (gw.aliyun_error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"), None, False),
        (gw.aliyun_error("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法"), None, False),
        (gw.aliyun_error("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"), None, False),
        (gw.aliyun_error("isv.AMOUNT_NOT_ENOUGH", "账户余额不足"), None, False),
        (gw.aliyun_error("isv.DAY_LIMIT_CONTROL", "触发日发送限额"), None, False),
        (gw.aliyun_error("InvalidAccessKeyId.NotFound", "not found", 404), None, False),
    ],
)
def test_aliyun_error_codes_are_mapped_to_transient_or_permanent(
    aliyun_gateway, answer, code, transient
):
    aliyun_gateway.answer(answer)
    with pytest.raises(SMSError) as failed:
        sms.get_sms_sender().send(CODE_MESSAGE)
    assert failed.value.code == (code or answer[1]["Code"])
    assert failed.value.transient is transient
    assert len(aliyun_gateway.requests) == 1  # the SDK itself never retried


@pytest.mark.parametrize(
    ("answer", "transient"),
    [
        (gw.tencent_error("RequestLimitExceeded", "请求的次数超过了频率限制"), True),
        (gw.tencent_error("InternalError.Timeout", "请求下发短信超时"), True),
        (gw.tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内限制"), True),
        (gw.tencent_status("LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发条数"), False),
        (gw.tencent_status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"), False),
        (gw.tencent_status("FailedOperation.PhoneNumberInBlacklist", "黑名单"), False),
        (gw.tencent_error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批"), False),
        (gw.tencent_error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批"), False),
        (
            gw.tencent_error("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足"),
            False,
        ),
        (gw.tencent_error("AuthFailure.SecretIdNotFound", "密钥不存在"), False),
    ],
)
def test_tencent_error_codes_are_mapped_to_transient_or_permanent(
    tencent_gateway, answer, transient
):
    tencent_gateway.answer(answer)
    with pytest.raises(SMSError) as failed:
        sms.get_sms_sender().send(CODE_MESSAGE)
    body = answer[1]["Response"]
    expected = body["Error"]["Code"] if "Error" in body else body["SendStatusSet"][0]["Code"]
    assert failed.value.code == expected
    assert failed.value.transient is transient
    assert len(tencent_gateway.requests) == 1


def test_a_server_error_without_json_is_transient_on_tencent(tencent_gateway):
    tencent_gateway.answer((502, {"message": "bad gateway"}))
    with pytest.raises(SMSError) as failed:
        sms.get_sms_sender().send(CODE_MESSAGE)
    assert failed.value.code == "ServerNetworkError" and failed.value.transient


def test_a_dropped_connection_is_transient(gateway):
    _kind, local = gateway
    local.answer("reset")
    with pytest.raises(SMSError) as failed:
        sms.get_sms_sender().send(CODE_MESSAGE, timeout=2)
    assert failed.value.transient is True
    assert len(local.requests) == 1


def test_a_gateway_that_does_not_answer_is_transient(gateway, settings):
    kind, _local = gateway
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    setattr(settings, f"SMS_{kind.upper()}_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(SMSError) as failed:
        sms.get_sms_sender().send(CODE_MESSAGE, timeout=2)
    assert failed.value.transient is True


def test_unset_endpoints_are_the_sdks_own_https_defaults(settings):
    for name, value in gw.settings_for("aliyun", "").items():
        setattr(settings, name, value)
    client = sms.AliyunSMSSender()._sdk()
    assert client._endpoint == "dysmsapi.aliyuncs.com"
    assert client._protocol is None  # SendSms's own HTTPS
    for name, value in gw.settings_for("tencent", "").items():
        setattr(settings, name, value)
    client = sms.TencentSMSSender()._sdk(10)
    assert client._get_endpoint() == "sms.tencentcloudapi.com"
    assert client.profile.httpProfile.scheme == "https"


def test_a_bare_host_endpoint_keeps_https(settings):
    for name, value in gw.settings_for("aliyun", "dysmsapi.example.cn").items():
        setattr(settings, name, value)
    client = sms.AliyunSMSSender()._sdk()
    assert client._endpoint == "dysmsapi.example.cn" and client._protocol is None


@pytest.mark.parametrize("sender", ["AliyunSMSSender", "TencentSMSSender"])
def test_a_sender_without_credentials_refuses_to_start(settings, sender):
    settings.SMS_SIGN_NAME = ""
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = settings.SMS_TENCENT_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_SIGN_NAME"):
        getattr(sms, sender)()


def test_a_kind_without_a_template_code_cannot_be_sent(aliyun_gateway, settings):
    settings.SMS_TEMPLATES = {**settings.SMS_TEMPLATES, "sign_in_code": ""}
    with pytest.raises(ImproperlyConfigured, match="SMS_TEMPLATE_SIGN_IN_CODE"):
        sms.get_sms_sender().send(CODE_MESSAGE)
    assert not aliyun_gateway.requests


def test_every_kind_has_its_template_setting(settings):
    from riders_portal import settings as project_settings

    assert set(project_settings.SMS_TEMPLATES) == set(KINDS)
    assert KINDS["officer_sign_in_code"].params == ("code", "minutes")


def test_secrets_are_read_from_files(tmp_path):
    (tmp_path / "aliyun").write_text("secret-from-a-file\n")
    (tmp_path / "tencent").write_text("another-secret\n")
    env = {
        **os.environ,
        "SMS_ALIYUN_ACCESS_KEY_SECRET_FILE": str(tmp_path / "aliyun"),
        "SMS_TENCENT_SECRET_KEY_FILE": str(tmp_path / "tencent"),
        "SMS_RECEIPT_TOKEN_FILE": str(tmp_path / "tencent"),
        "SMS_TEMPLATE_BED_OFFER": "SMS_1",
    }
    script = (
        "from riders_portal import settings as s;"
        "print(s.SMS_ALIYUN_ACCESS_KEY_SECRET, s.SMS_TENCENT_SECRET_KEY, s.SMS_RECEIPT_TOKEN,"
        " s.SMS_TEMPLATES['bed_offer'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "secret-from-a-file",
        "another-secret",
        "another-secret",
        "SMS_1",
    ]


def test_the_text_is_our_rendering_in_the_readers_language():
    message = SMSMessage(PHONE, "subsidy_decision", {"period": "2026-05"}, language="en")
    assert message.text == (
        "Riders Portal: your subsidy claim for 2026-05 has been decided. "
        "See the outcome in the portal."
    )


def test_params_must_be_exactly_the_kinds():
    with pytest.raises(ValueError, match="takes params"):
        KINDS["bed_offer"].check_params({"apartment": "A"})
