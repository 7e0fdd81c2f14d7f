"""Every portal page, HTML + CSS + JS uncompressed, stays under 60 KB (cheap phones, weak
signal). Figures for docs/benchmarks.md come from bench/page_weight.py."""

import pytest
from django.test import Client

from tests.factories import RiderFactory
from tests.pages import BUDGET_BYTES, page_weight, rider_pages

pytestmark = pytest.mark.django_db


def test_sign_in_pages_are_within_budget(client, sms_outbox):
    assert page_weight(client, "/sign-in/").total < BUDGET_BYTES
    rider = RiderFactory()
    client.post("/sign-in/", {"phone": rider.phone})
    assert page_weight(client, "/sign-in/code/").total < BUDGET_BYTES


def test_rider_pages_are_within_budget(client: Client):
    rider = RiderFactory()
    paths = rider_pages(rider, full_lists=True)
    client.force_login(rider.user)
    for path in paths:
        weight = page_weight(client, path)
        assert weight.total < BUDGET_BYTES, weight
