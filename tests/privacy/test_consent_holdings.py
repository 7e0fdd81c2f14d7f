"""What privacy holds of a rider (core/personal_data.py): their acceptances and consents in
their own copy, nothing of another rider's; closure withdraws every consent, keeps the record."""

import pytest

from core.personal_data import holdings
from privacy import services
from privacy.models import ConsentChoice, ConsentEvent, NoticeAcceptance
from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


def holding(name):
    return next(h for h in holdings() if h.name == name)


def test_the_copy_holds_the_riders_acceptances_and_consents_only():
    rider, other = RiderFactory(consents=()), RiderFactory()
    services.consents_set(rider=rider, choices={"sms_notices": True})
    services.consents_set(rider=rider, choices={"sms_notices": False})
    acceptances = list(holding("privacy.notice_acceptances").export(rider))
    assert [(a["notice_version"], a["channel"]) for a in acceptances] == [(1, "web")]
    consents = list(holding("privacy.consents").export(rider))
    assert [(c["kind"], c["purpose"], c["granted"]) for c in consents] == [
        ("choice", "sms_notices", False),
        ("event", "sms_notices", True),
        ("event", "sms_notices", False),
    ]
    assert not any(c["purpose"] == "honour_roll_public" for c in consents)  # the other's
    assert ConsentChoice.objects.filter(rider=other).count() == 2


def test_closure_withdraws_every_consent_and_keeps_the_record():
    rider, other = RiderFactory(), RiderFactory()
    services.consents_set(rider=rider, choices={"honour_roll_public": False})
    assert holding("privacy.consents").erase(rider) == 2
    assert not ConsentChoice.objects.filter(rider=rider).exists()
    assert ConsentEvent.objects.filter(rider=rider).exists()
    assert NoticeAcceptance.objects.filter(rider=rider).exists()
    assert ConsentChoice.objects.filter(rider=other).count() == 2
    assert holding("privacy.notice_acceptances").erase is None
    assert holding("privacy.notice_acceptances").kept
