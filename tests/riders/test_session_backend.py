"""A rider's session loads the user, the rider and the district in one query
(riders/auth.py); the backend never checks a password; older sessions keep working."""

import re

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db


def signed_in_by_code(rider, sms_outbox) -> Client:
    client = Client()
    client.post(reverse("riders:sign_in"), {"phone": rider.phone})
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    client.post(reverse("riders:sign_in_code"), {"code": code})
    assert client.session["_auth_user_backend"] == "riders.auth.RiderSessionBackend"
    return client


def queries_of(client, path: str) -> list[str]:
    client.get(path)  # warm: the session's first touch, caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_rider_and_district_come_with_the_user(sms_outbox):
    rider = RiderFactory()
    by_code = queries_of(signed_in_by_code(rider, sms_outbox), "/me/")
    old = Client()
    old.force_login(rider.user, backend="django.contrib.auth.backends.ModelBackend")
    by_model_backend = queries_of(old, "/me/")
    # One query for user + rider + district + city (issue 19: the rider's city decides what
    # they see) instead of four; the page is the same otherwise.
    assert len(by_code) == len(by_model_backend) - 3
    user_query = next(q for q in by_code if 'FROM "core_user"' in q)
    assert '"riders_rider"' in user_query and '"core_district"' in user_query
    assert '"core_city"' in user_query


def test_a_session_from_before_keeps_working():
    rider = RiderFactory()
    client = Client()
    client.force_login(rider.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/me/").status_code == 200


def test_it_never_checks_a_password():
    staff = StaffFactory()
    staff.set_password("a long enough password 1")
    staff.save()
    from riders.auth import RiderSessionBackend

    assert (
        RiderSessionBackend().authenticate(
            None, username=staff.username, password="a long enough password 1"
        )
        is None
    )
    assert authenticate(username=staff.username, password="wrong") is None


def test_a_deactivated_user_is_not_restored(sms_outbox):
    rider = RiderFactory()
    client = signed_in_by_code(rider, sms_outbox)
    rider.user.is_active = False
    rider.user.save()
    response = client.get("/me/")
    assert response.status_code == 302 and "/sign-in/" in response.url
