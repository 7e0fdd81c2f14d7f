"""The demo (seed_demo): every demo rider accepted version 1 but one, who shows the flow."""

import pytest
from django.core.management import call_command

from privacy.demo import NO_CONSENTS, NOT_ACCEPTED
from privacy.models import ConsentChoice, NoticeAcceptance
from riders.models import Rider

pytestmark = pytest.mark.django_db


def test_the_demo_riders_accepted_but_one(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    riders = Rider.objects.count()
    assert NoticeAcceptance.objects.count() == riders - 1
    assert not NoticeAcceptance.objects.filter(rider__rider_number=NOT_ACCEPTED).exists()
    assert not ConsentChoice.objects.filter(rider__rider_number=NO_CONSENTS).exists()
    assert ConsentChoice.objects.filter(granted=True).count() == 2 * (riders - 2)
    waiting = Rider.objects.get(rider_number=NOT_ACCEPTED)
    client.force_login(waiting.user, backend="riders.auth.RiderSessionBackend")
    assert client.get("/").url.startswith("/privacy/accept/")
