"""The workbench queue: the department's reports (its own and those it assists), urgent first
then by due time, countdowns, filters, search, pages, constant queries, a light page; and
assigning a report (governance.services.report_assign)."""

import datetime as dt

import pytest
from django.utils import timezone

from desk.selectors import countdown
from governance.models import Priority, ReportAssist, ReportEvent, ReportStatus
from governance.services import reporter_pseudonym
from tests.desk.desk_stubs import desk_urls  # noqa: F401  (autouse)
from tests.desk.helpers import officer, queued, queued_many
from tests.factories import DepartmentFactory, RiderFactory, StaffFactory, category

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def department():
    return DepartmentFactory(name="李沧区九水街道办", name_en="Jiushui street office")


@pytest.fixture
def me(department, client):
    user = officer(department, username="officer-wang", first_name="Wang")
    client.force_login(user)
    return user


def listed(response) -> list[str]:
    return [row["report"].public_id for row in response.context["rows"]]


# --- Scope and order ---------------------------------------------------------------------------
def test_the_department_s_open_reports_urgent_first_then_by_due_time(client, me, department):
    later = queued(department, hours=72)
    sooner = queued(department, hours=24)
    urgent = queued(department, hours=48, priority=Priority.URGENT)
    queued(department, status=ReportStatus.CONFIRMED)  # done: not in the default list
    queued(DepartmentFactory())  # another department's: never listed
    response = client.get("/desk/", **EN)
    assert response.status_code == 200
    assert listed(response) == [urgent.public_id, sooner.public_id, later.public_id]
    assert b"Urgent" in response.content


def test_an_assisted_report_is_listed_with_a_marker_and_no_assign_form(client, me, department):
    lead = DepartmentFactory()
    helped = queued(lead)
    ReportAssist.objects.create(report=helped, department=department)
    response = client.get("/desk/", **EN)
    assert listed(response) == [helped.public_id]
    assert response.context["rows"][0]["assisting"]
    assert b"Assisting" in response.content
    assert f"/desk/assign/{helped.public_id}/".encode() not in response.content


def test_rows_show_a_pseudonym_never_the_rider(client, me, department):
    rider = RiderFactory(name="王小骑", phone="13800000001")
    report = queued(department, rider=rider)
    response = client.get("/desk/", **EN)
    body = response.content.decode()
    assert reporter_pseudonym(rider_id=rider.pk, department_id=department.pk) in body
    assert "王小骑" not in body and "13800000001" not in body
    assert rider.rider_number not in body
    assert report.address in body


# --- Countdown ---------------------------------------------------------------------------------
def test_countdown_green_amber_red_and_paused(department):
    now = timezone.now()
    assert countdown(queued(department, hours_used=10, hours=72), now=now).state == "green"
    assert countdown(queued(department, hours_used=60, hours=72), now=now).state == "amber"
    assert countdown(queued(department, hours_used=80, hours=72), now=now).state == "red"
    waiting = queued(department, status=ReportStatus.WAITING, paused_at=now - dt.timedelta(hours=1))
    clock = countdown(waiting, now=now)
    assert clock.state == "paused"


def test_the_page_says_paused_and_overdue(client, me, department):
    queued(department, hours_used=80, hours=72, is_overdue=True)
    queued(department, status=ReportStatus.WAITING, paused_at=timezone.now())
    body = client.get("/desk/", **EN).content.decode()
    assert "Overdue by" in body and "Paused" in body
    assert "q-row--red" in body and "q-row--paused" in body


# --- Filters, search, pages -------------------------------------------------------------------
def test_filters(client, me, department):
    other_category = category("road-damage") if _has("road-damage") else None
    overdue = queued(department, is_overdue=True, hours_used=80)
    mine = queued(department, assignee=me)
    waiting = queued(department, status=ReportStatus.WAITING, paused_at=timezone.now())
    assert listed(client.get("/desk/?overdue=on", **EN)) == [overdue.public_id]
    assert listed(client.get("/desk/?mine=on", **EN)) == [mine.public_id]
    assert listed(client.get("/desk/?status=waiting", **EN)) == [waiting.public_id]
    cat = overdue.category
    assert len(listed(client.get(f"/desk/?category={cat.pk}", **EN))) == 3
    if other_category:
        assert listed(client.get(f"/desk/?category={other_category.pk}", **EN)) == []
    district = overdue.district
    assert len(listed(client.get(f"/desk/?district={district.pk}", **EN))) == 3


def _has(code):
    from governance.models import Category

    return Category.objects.filter(code=code).exists()


def test_search_by_report_number_any_status_only_own(client, me, department):
    done = queued(department, status=ReportStatus.CONFIRMED)
    others = queued(DepartmentFactory())
    assert listed(client.get(f"/desk/?q={done.public_id.lower()}", **EN)) == [done.public_id]
    assert listed(client.get(f"/desk/?q={others.public_id}", **EN)) == []


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=nonsense", "Choose a status from the list."),
        ("category=99999", "Choose a category from the list."),
        ("category=abc", "Choose a category from the list."),
        ("district=abc", "Choose a district from the list."),
        ("q=R-1;drop", "A report number has letters and digits only."),
        ("page=zzz", None),
        ("page=9999", None),
    ],
)
def test_bad_filter_values_show_the_list_with_a_message(client, me, department, query, message):
    report = queued(department)
    response = client.get(f"/desk/?{query}", **EN)
    assert response.status_code == 200
    assert listed(response) == [report.public_id]
    if message:
        assert message in response.content.decode()


def test_fifty_per_page(client, me, department):
    queued_many(department, 51)
    first = client.get("/desk/", **EN)
    assert len(first.context["rows"]) == 50
    second = client.get("/desk/?page=2", **EN)
    assert len(second.context["rows"]) == 1


# --- Constant queries, weight ------------------------------------------------------------------
@pytest.mark.parametrize("head", [False, True])
def test_constant_queries_at_1_and_500_reports(client, department, django_assert_num_queries, head):
    user = officer(department, head=head)
    officer(department)
    client.force_login(user)
    queued(department, assignee=user)
    client.get("/desk/")  # warm the session and caches
    with django_assert_num_queries(_count(client)) as few:
        client.get("/desk/")
    queued_many(department, 499)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/desk/")
    assert len(response.context["rows"]) == 50


def _count(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/desk/")
    return len(queries.captured_queries)


@pytest.mark.parametrize("team_size", [10, 40])
def test_fifty_rows_weigh_under_60_kb_even_for_a_head(client, department, team_size):
    """One select of the team for the page, not one per row: the weight does not grow with the
    team (a per-row select went over 60 KB from an 11th officer)."""
    head = officer(department, head=True)
    for _ in range(team_size - 1):
        officer(department)
    client.force_login(head)
    queued_many(department, 60, address="李沧区九水东路 100 号 3 单元楼道")
    response = client.get("/desk/", **EN)
    assert len(response.context["rows"]) == 50
    assert len(response.content) < 60_000, len(response.content)


def test_a_head_sees_the_team_s_load(client, department):
    head = officer(department, head=True, username="head-li")
    helper = officer(department, username="officer-zhao")
    client.force_login(head)
    queued(department, assignee=helper)
    queued(department, assignee=helper)
    queued(department)
    team = dict((o.user.username, n) for o, n in client.get("/desk/").context["team"])
    assert team == {"head-li": 0, "officer-zhao": 2}


def test_a_non_head_sees_the_whole_department_but_no_team_panel(client, me, department):
    queued(department, assignee=officer(department))
    response = client.get("/desk/")
    assert len(response.context["rows"]) == 1 and "team" not in response.context


# --- Assignment --------------------------------------------------------------------------------
def test_an_officer_takes_a_report_and_a_double_submit_changes_nothing(client, me, department):
    report = queued(department)
    for _ in range(2):
        response = client.post(
            f"/desk/assign/{report.public_id}/", {"assignee": me.pk, "next": "/desk/?mine=on"}, **EN
        )
        assert response.status_code == 302 and response["Location"] == "/desk/?mine=on"
    report.refresh_from_db()
    assert report.assignee == me
    events = ReportEvent.objects.filter(report=report, kind=ReportEvent.Kind.ASSIGNED)
    assert events.count() == 1
    event = events.get()
    assert not event.public and event.params == {"assignee": "Wang"}
    page = client.get("/desk/", **EN).content.decode()
    assert "is assigned to Wang" in page
    # And gives it back.
    client.post(f"/desk/assign/{report.public_id}/", {"assignee": ""})
    report.refresh_from_db()
    assert report.assignee is None


def test_an_officer_cannot_assign_someone_else(client, me, department):
    colleague = officer(department)
    report = queued(department)
    client.post(f"/desk/assign/{report.public_id}/", {"assignee": colleague.pk}, **EN)
    report.refresh_from_db()
    assert report.assignee is None
    assert "Only the department head" in client.get("/desk/", **EN).content.decode()


def test_a_head_assigns_a_colleague(client, department):
    head = officer(department, head=True)
    colleague = officer(department)
    client.force_login(head)
    report = queued(department)
    # The row's own select, as the queue's one form posts it.
    client.post(f"/desk/assign/{report.public_id}/", {f"assignee-{report.public_id}": colleague.pk})
    report.refresh_from_db()
    assert report.assignee == colleague
    client.post(f"/desk/assign/{report.public_id}/", {f"assignee-{report.public_id}": ""})
    report.refresh_from_db()
    assert report.assignee is None


@pytest.mark.parametrize("who", ["not_an_officer", "other_department", "missing"])
def test_the_assignee_must_be_an_active_officer_of_the_department(client, department, who):
    head = officer(department, head=True)
    client.force_login(head)
    report = queued(department)
    assignee_id = {
        "not_an_officer": lambda: StaffFactory().pk,
        "other_department": lambda: officer(DepartmentFactory()).pk,
        "missing": lambda: 987654,
    }[who]()
    response = client.post(f"/desk/assign/{report.public_id}/", {"assignee": assignee_id}, **EN)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assignee is None
    body = client.get("/desk/", **EN).content.decode()
    assert "Assign the report to an active officer of its department." in body


def test_an_outsider_gets_404_and_a_closed_report_is_refused(client, me, department):
    others = queued(DepartmentFactory())
    response = client.post(f"/desk/assign/{others.public_id}/", {"assignee": me.pk})
    assert response.status_code == 404
    done = queued(department, status=ReportStatus.CONFIRMED)
    client.post(f"/desk/assign/{done.public_id}/", {"assignee": me.pk}, **EN)
    done.refresh_from_db()
    assert done.assignee is None
    assert "Only an open report" in client.get("/desk/", **EN).content.decode()


def test_an_assisting_department_cannot_assign(client, me, department):
    helped = queued(DepartmentFactory())
    ReportAssist.objects.create(report=helped, department=department)
    client.post(f"/desk/assign/{helped.public_id}/", {"assignee": me.pk})
    helped.refresh_from_db()
    assert helped.assignee is None


def test_bad_assignee_value_and_get_are_refused(client, me, department):
    report = queued(department)
    response = client.post(f"/desk/assign/{report.public_id}/", {"assignee": "x"}, **EN)
    assert response.status_code == 302
    assert "Choose an officer" in client.get("/desk/", **EN).content.decode()
    assert client.get(f"/desk/assign/{report.public_id}/").status_code == 405


def test_anonymous_and_non_officers_cannot_assign(client, department):
    report = queued(department)
    assert client.post(f"/desk/assign/{report.public_id}/", {"assignee": 1}).status_code == 302
    client.force_login(StaffFactory(is_staff=False))
    assert client.post(f"/desk/assign/{report.public_id}/", {"assignee": 1}).status_code == 403


def test_the_map_only_with_a_tile_server(client, me, department, settings):
    queued(department)
    settings.DESK_MAP_TILES = ""
    body = client.get("/desk/").content.decode()
    assert "desk-map" not in body and "leaflet" not in body
    settings.DESK_MAP_TILES = "https://tiles.example.cn/{z}/{x}/{y}.png"
    body = client.get("/desk/").content.decode()
    assert 'data-tiles="https://tiles.example.cn/{z}/{x}/{y}.png"' in body
    assert 'data-crs="wgs84"' in body
    assert "vendor/leaflet/leaflet.js" in body and "js/desk-queue.js" in body
    # rider-map.js lends the queue its WGS84 → GCJ-02 conversion.
    assert body.index("js/rider-map.js") < body.index("js/desk-queue.js")
    assert "data-lat=" in body
    settings.DESK_MAP_TILES = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    assert 'data-crs="gcj02"' in client.get("/desk/").content.decode()


def test_the_csp_admits_the_tile_host_only_when_set():
    from riders_portal.settings import _tile_origin

    assert _tile_origin("") is None
    assert (
        _tile_origin("https://{s}.tiles.example.cn/{z}/{x}/{y}.png") == "https://*.tiles.example.cn"
    )


# --- A head assigns the ticked reports at once ------------------------------------------------
BULK = "/desk/assign/"


def test_a_head_assigns_the_ticked_reports_to_a_colleague_and_back(client, department):
    head = officer(department, head=True)
    colleague = officer(department, first_name="Li", last_name="")
    client.force_login(head)
    ticked = [queued(department), queued(department)]
    untouched = queued(department)
    numbers = [r.public_id for r in ticked]
    response = client.post(BULK, {"reports": numbers, "assignee": colleague.pk}, **EN)
    assert response.status_code == 302
    for report in ticked:
        report.refresh_from_db()
        assert report.assignee == colleague
    untouched.refresh_from_db()
    assert untouched.assignee is None
    page = client.get("/desk/", **EN).content.decode()
    assert f"Assigned to Li: {', '.join(numbers)}." in page
    events = ReportEvent.objects.filter(kind=ReportEvent.Kind.ASSIGNED).count()
    client.post(BULK, {"reports": numbers, "assignee": colleague.pk}, **EN)  # a double submit
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.ASSIGNED).count() == events
    client.post(BULK, {"reports": numbers, "assignee": ""}, **EN)
    assert not ticked[0].__class__.objects.filter(assignee__isnull=False).exists()
    assert "No longer assigned:" in client.get("/desk/", **EN).content.decode()


def test_the_head_s_page_has_one_team_select_and_a_tick_per_row(client, department):
    head = officer(department, head=True)
    officer(department)
    client.force_login(head)
    queued_many(department, 5)
    page = client.get("/desk/", **EN).content.decode()
    assert page.count('name="assignee"') == 1
    assert page.count('name="reports"') == 5


def test_an_officer_takes_ticked_reports_only_as_the_rules_allow(client, me, department):
    colleague = officer(department)
    free = queued(department)
    held = queued(department, assignee=colleague)
    client.post(BULK, {"reports": [free.public_id, held.public_id], "assignee": me.pk}, **EN)
    free.refresh_from_db()
    held.refresh_from_db()
    assert free.assignee == me and held.assignee == colleague
    page = client.get("/desk/", **EN).content.decode()
    assert f"{held.public_id}: Only the department head" in page


def test_another_department_s_report_is_named_not_found(client, department):
    head = officer(department, head=True)
    client.force_login(head)
    others = queued(DepartmentFactory())
    mine = queued(department)
    client.post(BULK, {"reports": [others.public_id, mine.public_id], "assignee": head.pk}, **EN)
    others.refresh_from_db()
    mine.refresh_from_db()
    assert others.assignee is None and mine.assignee == head
    page = client.get("/desk/", **EN).content.decode()
    assert f"Report {others.public_id} is not in your department" in page


@pytest.mark.parametrize(
    "data, error",
    [
        ({"assignee": ""}, "Tick the reports to assign first."),
        ({"reports": ["X"], "assignee": "x"}, "Choose an officer from the list."),
        ({"reports": [str(n) for n in range(51)], "assignee": ""}, "Choose an officer"),
        ({"reports": ["X"], "assignee": "987654"}, "active officer of its department"),
    ],
)
def test_bad_bulk_input_is_named(client, department, data, error):
    head = officer(department, head=True)
    client.force_login(head)
    assert client.post(BULK, data, **EN).status_code == 302
    assert error in client.get("/desk/", **EN).content.decode()


def test_anonymous_and_non_officers_cannot_assign_in_bulk(client, department):
    report = queued(department)
    data = {"reports": [report.public_id], "assignee": ""}
    assert client.post(BULK, data).status_code == 302
    client.force_login(StaffFactory(is_staff=False))
    assert client.post(BULK, data).status_code == 403
    assert client.get(BULK).status_code in (302, 403, 405)
