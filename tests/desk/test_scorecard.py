"""The department's own scorecard in the workbench (/desk/scorecard/): its figures only, for a
month (?month=YYYY-MM, a bad value is this month with a message), and its month as Excel."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from governance.models import FixAnswer, ReportStatus
from governance.scorecard_admin import export_header
from tests.desk.report_helpers import officer
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def routed(department, at, *, ack=None, closed=None, status=ReportStatus.ROUTED):
    hours = dt.timedelta(hours=1)
    return ReportFactory(
        department=department,
        status=status,
        routed_at=at,
        due_at=at + 24 * hours,
        acknowledged_at=at + ack * hours if ack is not None else None,
        closed_at=at + closed * hours if closed is not None else None,
    )


@pytest.fixture
def march():
    """Ours in March 2026: two reports, one answered in time and closed in 10 h (满意), one
    answered late and still open. Theirs: three reports, none answered."""
    ours, theirs = DepartmentFactory(code="licang-housing"), DepartmentFactory(code="other")
    at = dt.datetime(2026, 3, 10, 9, tzinfo=SHANGHAI)
    done = routed(ours, at, ack=1, closed=10, status=ReportStatus.CONFIRMED)
    FixAnswer.objects.create(
        report=done,
        rider=RiderFactory(),
        round=0,
        outcome=FixAnswer.Outcome.FIXED,
        satisfaction=FixAnswer.Satisfaction.SATISFIED,
    )
    routed(ours, at + dt.timedelta(days=1), ack=5)
    for n in range(3):
        routed(theirs, at + dt.timedelta(days=n))
    return ours, theirs


def figures(response) -> dict[str, str]:
    import re

    html = response.content.decode()
    return dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', html))


def test_the_departments_own_figures_for_a_month(client, march):
    ours, _theirs = march
    client.force_login(officer(ours))
    with time_machine.travel(dt.datetime(2026, 4, 2, 12, tzinfo=SHANGHAI), tick=False):
        response = client.get("/desk/scorecard/?month=2026-03", **EN)
    assert response.status_code == 200
    shown = figures(response)
    assert shown["received"] == "2"
    assert shown["response"] == "50.0 %"
    assert shown["satisfaction"] == "100.0 %"
    assert shown["median"] == "10.0"
    assert response.context["row"].department == ours


def test_another_departments_officer_sees_its_own(client, march):
    _ours, theirs = march
    client.force_login(officer(theirs))
    response = client.get("/desk/scorecard/?month=2026-03", **EN)
    assert figures(response)["received"] == "3"
    assert figures(response)["response"] == "0.0 %"


@pytest.mark.parametrize("value", ["2026-13", "march", "0000-01", "2026-3-1"])
def test_a_bad_month_is_this_month_with_a_message(client, march, value):
    ours, _theirs = march
    client.force_login(officer(ours))
    with time_machine.travel(dt.datetime(2026, 5, 20, 12, tzinfo=SHANGHAI), tick=False):
        response = client.get("/desk/scorecard/", {"month": value}, **EN)
    assert response.status_code == 200
    assert response.context["month"] == "2026-05"
    assert "this month is shown" in response.content.decode()


def test_no_month_is_this_month_without_a_message(client, march):
    ours, _theirs = march
    client.force_login(officer(ours))
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=SHANGHAI), tick=False):
        response = client.get("/desk/scorecard/", **EN)
    assert response.context["month"] == "2026-03"
    assert "this month is shown" not in response.content.decode()
    assert figures(response)["received"] == "2"


def test_the_export_is_the_departments_month_in_excel(client, march):
    ours, _theirs = march
    client.force_login(officer(ours))
    response = client.get("/desk/scorecard/export/?month=2026-03", **EN)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('scorecard-20260301-20260331.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    from django.utils import translation

    with translation.override("en"):
        assert list(rows[0]) == export_header()
    assert len(rows) == 2  # the header and its own row, with its rank among all
    assert rows[1][1] == str(ours) and rows[1][2] == 2 and rows[1][0] == 1


def test_only_officers_see_a_scorecard(client, march):
    response = client.get("/desk/scorecard/")
    assert response.status_code == 302
    client.force_login(UserFactory())
    assert client.get("/desk/scorecard/").status_code == 403
    assert client.get("/desk/scorecard/export/").status_code == 403
