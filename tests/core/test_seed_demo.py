import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import User
from governance.models import Department, Report, ReportStatus, RoutingRule
from riders.models import Rider, Tier

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Rider.objects.count(),
        Department.objects.count(),
        RoutingRule.objects.count(),
        Report.objects.count(),
    )


def test_seed_demo_is_idempotent_and_covers_every_tier_and_report_status(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert set(Rider.objects.values_list("tier", flat=True)) == set(Tier.values)
    assert User.objects.get(username="admin").is_superuser
    assert set(Report.objects.values_list("status", flat=True)) == set(ReportStatus.values)
    assert Report.objects.filter(is_overdue=True).exists()


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
