"""A rider's sign-ins are recorded where a sign-in succeeds (the phone code, the platform), and
only then."""

import re

import pytest
from django.urls import reverse

from riders.models import SignInRecord
from tests.factories import RiderFactory
from tests.riders.test_platform_sign_in import platform_sign_in, wang  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def code_in(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].text).group(1)


def test_a_code_sign_in_is_recorded_with_address_and_browser(client, sms_outbox):
    rider = RiderFactory()
    client.post(reverse("riders:sign_in"), {"phone": rider.phone})
    client.post(reverse("riders:sign_in_code"), {"code": "000000"})  # wrong: not a sign-in
    assert not SignInRecord.objects.exists()
    response = client.post(
        reverse("riders:sign_in_code"),
        {"code": code_in(sms_outbox)},
        HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500,
    )
    assert response.status_code == 302
    record = SignInRecord.objects.get()
    assert (record.rider, record.channel, record.ip) == (rider, "sms", "127.0.0.1")
    assert record.user_agent.startswith("Mozilla/5.0") and len(record.user_agent) == 200


def test_a_platform_sign_in_is_recorded(client, oidc_provider, wang):  # noqa: F811
    response = platform_sign_in(client, oidc_provider, "wang")
    assert response.status_code == 302
    assert list(SignInRecord.objects.values_list("rider", "channel")) == [(wang.pk, "platform")]


def test_an_address_that_is_not_one_is_left_empty():
    from riders.services import sign_in_record

    rider = RiderFactory()
    sign_in_record(rider=rider, channel="sms", ip_address="unknown", user_agent="")
    assert SignInRecord.objects.get().ip is None
