"""The departments' scorecard (考核): every figure computed by hand from a small set."""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core.models import District
from core.roles import CANTEEN_OPERATOR, DISPATCHER
from governance.models import FixAnswer, ReportStatus
from governance.scorecard import department_scorecard, district_scorecard, month_bounds
from governance.scorecard_admin import export_header
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    qingdao_district,
)

pytestmark = pytest.mark.django_db
S = ReportStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def h(hours: float) -> dt.timedelta:
    return dt.timedelta(hours=hours)


def routed(department, at, *, status=S.ROUTED, ack=None, closed=None, due=24, **kwargs):
    """A report routed at `at`; ack/closed/due are hours after routing."""
    return ReportFactory(
        department=department,
        status=status,
        routed_at=at,
        due_at=at + h(due),
        acknowledged_at=at + h(ack) if ack is not None else None,
        closed_at=at + h(closed) if closed is not None else None,
        **kwargs,
    )


def answer(report, satisfaction, *, by_default=False):
    outcome = FixAnswer.Outcome.FIXED
    if satisfaction == FixAnswer.Satisfaction.DISSATISFIED:
        outcome = FixAnswer.Outcome.PARTLY
    return FixAnswer.objects.create(
        report=report,
        rider=RiderFactory(),
        round=report.reopen_count,
        outcome=outcome,
        satisfaction=satisfaction,
        by_default=by_default,
    )


@pytest.fixture
def other_district():
    return District.objects.filter(city__code="qingdao").exclude(name="李沧区").first()


@pytest.fixture
def march(other_district):
    """Department A's March, by hand:

    r1 routed 1 Mar 00:30 local (still 28 Feb in UTC): acknowledged +1 h, resolved +10 h
       (deadline +24 h); answers 满意 and 不满意.
    r2 routed 10 Mar: acknowledged +3 h (late), confirmed +30 h (after its +24 h deadline),
       reopened once; accepted by default.
    r3 routed 31 Mar 23:30 local, not acknowledged, overdue now.
    r6 routed 15 Mar in another district: acknowledged +2 h exactly, closed by the centre
       +20 h (deadline +48 h), reopened twice; answer 基本满意.
    Outside March: r4 (28 Feb 23:59 local, acknowledged, overdue now) and r5 (1 Apr 07:00
    local, still 31 Mar in UTC).
    """
    a = DepartmentFactory(code="a-dept")
    b = DepartmentFactory(code="b-dept")  # received nothing
    r1 = routed(a, local(2026, 3, 1, 0, 30), status=S.RESOLVED, ack=1, closed=10)
    r2 = routed(a, local(2026, 3, 10, 12), status=S.CONFIRMED, ack=3, closed=30, reopen_count=1)
    routed(a, local(2026, 3, 31, 23, 30), is_overdue=True)
    r6 = routed(
        a,
        local(2026, 3, 15, 8),
        status=S.CLOSED,
        ack=2,
        closed=20,
        due=48,
        reopen_count=2,
        district=other_district,
    )
    routed(a, local(2026, 2, 28, 23, 59), status=S.ACKNOWLEDGED, ack=0.5, is_overdue=True)
    routed(a, local(2026, 4, 1, 7), status=S.RESOLVED, ack=1, closed=1)
    answer(r1, FixAnswer.Satisfaction.SATISFIED)
    answer(r1, FixAnswer.Satisfaction.DISSATISFIED)
    answer(r2, FixAnswer.Satisfaction.SATISFIED, by_default=True)
    answer(r6, FixAnswer.Satisfaction.BASICALLY)
    return a, b


def test_department_figures_by_hand(march):
    rows = {row.department.code: row for row in department_scorecard(**MARCH)}
    row = rows["a-dept"]
    assert row.received == 4  # r1, r2, r3, r6: local days, not UTC ones
    assert (row.responded_in_time, row.response_rate) == (2, 50.0)  # r1, r6 (at 2 h exactly)
    assert (row.closed_by_deadline, row.closed_by_deadline_rate) == (2, 50.0)  # r1, r6
    assert (row.reopened, row.reopen_rate) == (2, 50.0)  # r2, r6
    # Real answers: 满意, 不满意, 基本满意; r2's default acceptance is shown apart.
    assert (row.real_answers, row.satisfied_answers, row.satisfaction_rate) == (3, 2, 66.7)
    assert (row.default_accepted, row.default_accepted_share) == (1, 25.0)
    # Hours to close 10, 20, 30: median 20, p90 = 20 + 0.8 × 10.
    assert (row.median_hours_to_close, row.p90_hours_to_close) == (20.0, 28.0)
    assert row.overdue_now == 2  # r3, and r4 from February: overdue is a figure of now


def test_department_with_no_reports_has_a_row_without_rates(march):
    rows = {row.department.code: row for row in department_scorecard(**MARCH)}
    row = rows["b-dept"]
    assert (row.received, row.overdue_now, row.real_answers) == (0, 0, 0)
    assert row.response_rate is None and row.satisfaction_rate is None
    assert row.median_hours_to_close is None and row.default_accepted_share is None


def test_one_department_and_one_district(march, other_district):
    a, _ = march
    [row] = department_scorecard(**MARCH, department=a, district=other_district)
    assert (row.received, row.responded_in_time, row.real_answers) == (1, 1, 1)
    assert (row.median_hours_to_close, row.p90_hours_to_close) == (20.0, 20.0)


def test_district_breakdown(march, other_district):
    rows = {(r.department.code, r.district.pk): r for r in district_scorecard(**MARCH)}
    licang = qingdao_district().pk
    assert set(rows) == {("a-dept", licang), ("a-dept", other_district.pk)}
    home = rows[("a-dept", licang)]
    assert (home.received, home.responded_in_time, home.closed_by_deadline) == (3, 1, 1)
    assert (home.real_answers, home.satisfied_answers, home.default_accepted) == (2, 1, 1)
    assert (home.median_hours_to_close, home.overdue_now) == (20.0, 2)  # 10 and 30 h


def test_a_day_is_a_local_day(march):
    [first_day] = department_scorecard(
        start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1), department=march[0]
    )
    assert first_day.received == 1  # r1 at 00:30 local; r4 at 23:59 local the day before
    [april_first] = department_scorecard(
        start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 1), department=march[0]
    )
    assert april_first.received == 1


def test_first_response_hours_setting(march, settings):
    settings.SCORECARD_FIRST_RESPONSE_HOURS = 3
    [row] = department_scorecard(**MARCH, department=march[0])
    assert row.responded_in_time == 3  # r2's 3 h now counts


def test_constant_queries(django_assert_max_num_queries):
    for size in (1, 8):
        for _ in range(size):
            department = DepartmentFactory()
            report = routed(department, local(2026, 3, 2), status=S.RESOLVED, ack=1, closed=5)
            answer(report, FixAnswer.Satisfaction.SATISFIED)
        with django_assert_max_num_queries(5):
            department_scorecard(**MARCH)
        with django_assert_max_num_queries(6):
            district_scorecard(**MARCH)


def test_month_bounds():
    assert month_bounds(dt.date(2026, 2, 14)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_bounds(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert month_bounds(dt.date(9999, 12, 5))[1] == dt.date(9999, 12, 31)


# --- the admin page (dispatchers and centre admins) -------------------------------------------
PAGE = reverse("admin:governance_report_scorecard")
EXPORT = reverse("admin:governance_report_scorecard_export")


@pytest.fixture
def dispatcher(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return user


def test_page_shows_the_month(client, dispatcher, march):
    response = client.get(PAGE, {"month": "2026-03"})
    assert response.status_code == 200
    rows = {row.department.code: row for row in response.context["rows"]}
    assert rows["a-dept"].received == 4 and rows["b-dept"].received == 0
    assert (response.context["start"], response.context["end"]) == (MARCH["start"], MARCH["end"])
    html = response.content.decode()
    # The chart's data is JSON, drawn by a static script carrying the request's nonce.
    assert '<script id="scorecard-data" type="application/json">' in html
    nonce = re.escape(response.wsgi_request.csp_nonce)
    assert re.search(rf'<script src="[^"]*js/scorecard[^"]*\.js" nonce="{nonce}"', html)
    assert re.search(rf'<script src="[^"]*echarts\.min[^"]*\.js" nonce="{nonce}"', html)


def test_page_takes_a_range(client, dispatcher, march):
    response = client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-01"})
    rows = {row.department.code: row for row in response.context["rows"]}
    assert rows["a-dept"].received == 1


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"month": "March"},
        {"start": "2026-03-32", "end": "2026-04-01"},
        {"start": "2026-04-01", "end": "2026-03-01"},
        {"start": "2026-03-01"},
        {"start": "2024-01-01", "end": "2026-01-01"},
        {"month": "0000-01"},
        {"month": "9999-12"},
        {"start": "9999-12-31", "end": "9999-12-31"},
    ],
)
def test_bad_dates_are_form_errors(client, dispatcher, query):
    response = client.get(PAGE, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()


def test_page_uses_constant_queries(client, dispatcher, django_assert_max_num_queries):
    for size in (1, 10):
        for _ in range(size):
            report = routed(
                DepartmentFactory(), local(2026, 3, 2), status=S.RESOLVED, closed=5, ack=1
            )
            answer(report, FixAnswer.Satisfaction.SATISFIED)
        with django_assert_max_num_queries(20):
            assert client.get(PAGE, {"month": "2026-03"}).status_code == 200


def test_canteen_operator_is_refused(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=CANTEEN_OPERATOR))
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_excel_export_is_the_ranking(client, dispatcher, march):
    c = DepartmentFactory(code="c-dept")
    routed(c, local(2026, 3, 5), status=S.RESOLVED, ack=1, closed=2)  # 100 % on every rate
    response = client.get(EXPORT, {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert list(rows[0]) == export_header()
    assert export_header_in("en")[:3] == ["Rank", "Department", "Received"]
    assert len(rows) == 3  # header, c, a; b received nothing and is not ranked
    assert rows[1][:5] == (1, str(c), 1, 100.0, 100.0)
    assert rows[2][:8] == (2, str(march[0]), 4, 50.0, 50.0, 50.0, 66.7, 25.0)
    assert rows[2][8:] == (20.0, 28.0, 2)


def export_header_in(language: str) -> list[str]:
    with translation.override(language):
        return export_header()
