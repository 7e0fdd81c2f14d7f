"""The console SMS sender is for development: it refuses DEBUG=0, and logs hold no code then."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from riders import services, sms
from riders.models import SignInCode
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db

CODE = "428913"


@pytest.fixture
def console(settings, monkeypatch):
    settings.SMS_SENDER = "riders.sms.ConsoleSMSSender"
    # A known code, to look for it in the log.
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))
    return settings


def logged(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_console_sender_refuses_to_run_in_production(console):
    console.DEBUG = False
    console.SMS_CONSOLE_ALLOWED = False
    rider = RiderFactory()
    with pytest.raises(ImproperlyConfigured, match="SMS_CONSOLE_ALLOWED"):
        services.sign_in_code_request(phone=rider.phone, client_ip="10.0.0.1")
    # It refused before issuing anything.
    assert not SignInCode.objects.exists()


def test_console_sender_allowed_in_production_never_logs_the_code(console, caplog, client):
    console.DEBUG = False
    console.SMS_CONSOLE_ALLOWED = True
    rider = RiderFactory()
    with caplog.at_level(logging.DEBUG):
        client.post("/sign-in/", {"phone": rider.phone})
        response = client.post("/sign-in/code/", {"code": CODE})
    assert response.status_code == 302  # the rider signed in with the code
    text = logged(caplog)
    assert "code hidden" in text
    assert CODE not in text
    assert rider.phone not in text  # the number is masked too


def test_console_sender_logs_the_code_in_development(console, caplog):
    console.DEBUG = True
    rider = RiderFactory()
    with caplog.at_level(logging.WARNING, logger="riders.sms"):
        services.sign_in_code_request(phone=rider.phone, client_ip="10.0.0.1")
    assert CODE in logged(caplog)
    assert rider.phone not in logged(caplog)  # masked at the source, DEBUG or not (issue 20)


def test_other_senders_do_not_care_about_debug(settings):
    settings.DEBUG = False
    message = sms.SMSMessage(phone="13800000000", kind="report_reopened", params={"report": "X1"})
    sms.LocmemSMSSender().send(message)
    assert sms.outbox[-1] == message and "X1" in sms.outbox[-1].text
