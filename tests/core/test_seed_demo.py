import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import User
from governance.demo import STORY
from governance.models import Department, FixAnswer, Report, ReportStatus, RoutingRule
from rewards.models import Award
from riders.demo import DEMO_RIDER_PHONE
from riders.models import Rider, Tier
from riders.phones import phone_digests

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Rider.objects.count(),
        Department.objects.count(),
        RoutingRule.objects.count(),
        Report.objects.count(),
        FixAnswer.objects.count(),
        Award.objects.count(),
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
    # The closed loop (issue 14): the demo rider has a fix to check, and the story —
    # not fixed with a photo, reopened, resolved again with evidence, confirmed, paid once.
    assert Report.objects.filter(
        status=ReportStatus.RESOLVED, rider__phone_hash__in=phone_digests(DEMO_RIDER_PHONE)
    ).exists()
    story = Report.objects.get(description=STORY[2])
    assert story.status == ReportStatus.CONFIRMED and story.rider.phone == DEMO_RIDER_PHONE
    assert [(a.round, a.outcome, bool(a.photo)) for a in story.answers.all()] == [
        (0, "not_fixed", True),
        (1, "fixed", False),
    ]
    assert story.evidence.exists() and story.validated_at is not None
    assert sorted(Award.objects.filter(report=story).values_list("kind", flat=True)) == [
        "cash",
        "points",
    ]
    assert FixAnswer.objects.filter(by_default=True, report__status="confirmed").exists()


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
