"""The start-up check of the SMS configuration (riders/checks.py)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from riders.checks import sms_configuration
from riders.sms_templates import KINDS

from .sms_gateways import settings_for


def ids(errors) -> list[str]:
    return [error.id for error in errors]


def test_the_test_and_console_senders_need_no_templates(settings):
    settings.SMS_TEMPLATES = {}
    settings.SMS_SENDER = "riders.sms.LocmemSMSSender"
    assert sms_configuration() == []
    settings.SMS_SENDER = "riders.sms.ConsoleSMSSender"
    assert sms_configuration() == []


@pytest.mark.parametrize("gateway", ["aliyun", "tencent"])
def test_a_gateway_with_every_template_code_passes(settings, gateway):
    for name, value in settings_for(gateway, "http://127.0.0.1:9").items():
        setattr(settings, name, value)
    assert set(settings.SMS_TEMPLATES) == set(KINDS)  # the test gateways know every kind
    assert sms_configuration() == []


@pytest.mark.parametrize("gateway", ["aliyun", "tencent"])
def test_a_kind_without_a_template_code_stops_the_site(settings, gateway):
    for name, value in settings_for(gateway, "http://127.0.0.1:9").items():
        setattr(settings, name, value)
    settings.SMS_TEMPLATES = {**settings.SMS_TEMPLATES, "bed_offer": "", "policy_notice": ""}
    [error] = sms_configuration()
    assert error.id == "riders.E002"
    assert "bed_offer" in error.msg and "policy_notice" in error.msg
    assert "SMS_TEMPLATE_BED_OFFER" in error.hint and "SMS_TEMPLATE_POLICY_NOTICE" in error.hint
    # `manage.py check` (and so runserver and migrate) refuses to go on.
    with pytest.raises(SystemCheckError, match=r"riders\.E002"):
        call_command("check")


def test_missing_credentials_and_a_wrong_sender_are_named(settings):
    for name, value in settings_for("aliyun", "http://127.0.0.1:9").items():
        setattr(settings, name, value)
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    [error] = sms_configuration()
    assert error.id == "riders.E003" and "SMS_ALIYUN_ACCESS_KEY_SECRET" in error.msg
    settings.SMS_SENDER = "riders.sms.NoSuchSender"
    assert ids(sms_configuration()) == ["riders.E001"]
