"""Home's "is it fixed?" card: the resolved reports the rider follows and has not checked yet,
each linking to its report; nobody else's; a constant number of queries (闭环, issue 14)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from governance import services, workflow
from governance.models import ReportSupporter
from governance.selectors import reports_awaiting_check
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def department():
    return DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")


def resolved_for(rider, department):
    report = workflow.route(ReportFactory(rider=rider), department=department)
    return workflow.resolve(report, department=department, reply="已清理")


def card(page: str) -> str:
    if 'class="card awaiting-card"' not in page:
        return ""
    return page.split('class="card awaiting-card"')[1].split("</section>")[0]


def test_the_reporter_sees_the_report_to_check(client, department):
    rider = RiderFactory()
    report = resolved_for(rider, department)
    client.force_login(rider.user)
    shown = card(client.get("/", **ENGLISH).content.decode())
    assert f'href="{reverse("reports:detail", args=[report.public_id])}#check"' in shown
    assert "Is it fixed? Your check is needed" in shown
    assert "resolved by Licang Housing Bureau" in shown and "counts as satisfied" in shown


def test_a_rider_who_joined_sees_it_too_others_do_not(client, department):
    reporter, joiner, outsider = RiderFactory(), RiderFactory(), RiderFactory()
    report = resolved_for(reporter, department)
    ReportSupporter.objects.create(report=report, rider=joiner)
    client.force_login(joiner.user)
    assert report.public_id in card(client.get("/").content.decode())
    client.force_login(outsider.user)
    page = client.get("/").content.decode()
    assert card(page) == "" and report.public_id not in page


def test_answered_and_unresolved_reports_are_not_listed(client, department):
    rider = RiderFactory()
    answered = resolved_for(rider, department)
    services.report_check(rider=rider, report=answered, outcome="fixed", satisfaction="satisfied")
    open_one = workflow.route(ReportFactory(rider=rider), department=department)
    client.force_login(rider.user)
    page = client.get("/").content.decode()
    assert card(page) == ""
    assert answered.public_id not in page and open_one.public_id not in page


def test_a_report_reopened_and_resolved_again_is_asked_again(department):
    rider = RiderFactory()
    report = resolved_for(rider, department)
    services.report_check(
        rider=rider, report=report, outcome="not_fixed", satisfaction="dissatisfied"
    )
    assert list(reports_awaiting_check(rider=rider)) == []
    workflow.resolve(report, department=department, reply="再次清理")
    assert [r.pk for r in reports_awaiting_check(rider=rider)] == [report.pk]


def test_a_joiner_who_answered_is_not_asked_while_the_reporter_still_is(department):
    reporter, joiner = RiderFactory(), RiderFactory()
    report = resolved_for(reporter, department)
    ReportSupporter.objects.create(report=report, rider=joiner)
    services.report_check(rider=joiner, report=report, outcome="partly", satisfaction="basically")
    assert list(reports_awaiting_check(rider=joiner)) == []
    assert [r.pk for r in reports_awaiting_check(rider=reporter)] == [report.pk]


def test_the_card_uses_a_constant_number_of_queries(
    client, department, django_assert_max_num_queries
):
    rider = RiderFactory()
    client.force_login(rider.user)
    for size in (1, 5):
        while reports_awaiting_check(rider=rider).count() < size:
            resolved_for(rider, department)
        cache.clear()  # the headline figures counted afresh each time: the worst case
        # 18: Home also looks for reports a department asked about (ask the rider, issue 14)
        # and builds the other "to do" cards (issue 17, tests/portal/test_home_cards.py); 5
        # more for what is open near the rider (tests/portal/test_near_now.py).
        with django_assert_max_num_queries(23):
            page = client.get("/").content.decode()
        assert card(page).count("<li>") == size
