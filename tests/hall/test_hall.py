"""The hall screen (/hall/<token>/) and its JSON: access by display token, the figures
computed by hand on small data, one cache key, constant queries, no personal data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apartments.models import Application, Bed, Tenancy
from apartments.services import application_submit
from canteen.models import MealOrder
from canteen.services import meal_order_place
from governance import workflow
from hall.models import HallDisplay
from hall.selectors import data_cache_key
from rewards.models import Honour
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    qingdao_district,
)
from volunteering.models import Activity, SignUp, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def display():
    return HallDisplay.objects.create(label="大厅左屏")


def data_url(display):
    return f"/hall/{display.token}/data.json"


def get_data(client, display, lang="en"):
    response = client.get(data_url(display), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.json()


def publish_honour(rider, **fields):
    return Honour.objects.create(
        rider=rider,
        kind=fields.pop("kind", "bravery"),
        title=fields.pop("title", "见义勇为"),
        title_en=fields.pop("title_en", "A brave rescue"),
        story=fields.pop("story", "雨夜救起落水老人"),
        story_en=fields.pop("story_en", "Pulled a man from the river at night"),
        honoured_on=fields.pop("honoured_on", timezone.localdate()),
        status=fields.pop("status", "published"),
        published_at=timezone.now(),
        **fields,
    )


# --- access -----------------------------------------------------------------------------------


def test_the_screen_opens_with_its_token(client, display):
    response = client.get(f"/hall/{display.token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "City operations" in body
    assert f'data-hall-url="/hall/{display.token}/data.json"' in body
    assert 'data-hall-refresh-seconds="60"' in body
    assert "<script>" not in body and "style=" not in body  # CSP: static files only
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/hall/not-a-token/", "/hall/not-a-token/data.json", "/hall/"])
def test_a_bad_token_is_404(client, display, path):
    assert client.get(path).status_code == 404


def test_a_revoked_display_is_404_at_once_though_it_was_cached(client, display):
    assert client.get(data_url(display)).status_code == 200  # its lookup is now cached
    display.is_active = False
    display.save()
    assert client.get(data_url(display)).status_code == 404
    assert client.get(f"/hall/{display.token}/").status_code == 404


def test_a_deleted_display_is_404(client, display):
    client.get(data_url(display))
    token = display.token
    display.delete()
    assert client.get(f"/hall/{token}/data.json").status_code == 404


def test_the_admin_revokes_screens(admin_client, display):
    response = admin_client.post(
        "/admin/hall/halldisplay/",
        {"action": "revoke", "_selected_action": [display.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "1 screen revoked." in response.content.decode()
    display.refresh_from_db()
    assert not display.is_active


def test_only_get(client, display):
    assert client.post(data_url(display)).status_code == 405


def test_tokens_are_long_and_distinct():
    first, second = HallDisplay.objects.create(label="a"), HallDisplay.objects.create(label="b")
    assert len(first.token) >= 32 and first.token != second.token


# --- the figures, by hand ---------------------------------------------------------------------


def test_an_empty_city_has_zeros_and_no_rates(client, display):
    data = get_data(client, display)
    figures = data["figures"]
    assert figures["active_riders"] == 0 and figures["reports_today"] == 0
    assert figures["closed_on_time_rate"] is None and figures["satisfaction_rate"] is None
    assert figures["meals_today"] == 0 and figures["volunteer_hours"] == 0
    assert data["ranking"] == [] and data["honours"] == []
    assert {d["open"] for d in data["districts"]} == {0}
    assert set(data) == {"updated", "figures", "districts", "ranking", "honours"}


def test_figures_by_hand(client, display):
    now = timezone.now()
    # Riders: one signed in this week, one filed a report (below), one signed in long ago,
    # one inactive who signed in today.
    RiderFactory(user__last_login=now - dt.timedelta(days=3))
    RiderFactory(user__last_login=now - dt.timedelta(days=45))
    RiderFactory(is_active=False, user__last_login=now)

    # Reports: two departments; A closes one on time (rider satisfied) and leaves one open; B
    # resolves one late (rider dissatisfied).
    a = DepartmentFactory(code="a-street", name="李沧街道", name_en="Licang Street")
    b = DepartmentFactory(code="b-market", name="市场监管", name_en="Market Supervision")
    reporter = RiderFactory()
    licang, shinan = qingdao_district("李沧区"), qingdao_district("市南区")
    on_time = workflow.route(ReportFactory(rider=reporter, district=licang), department=a)
    workflow.resolve(on_time, department=a, reply="已处理")
    workflow.route(ReportFactory(rider=reporter, district=licang), department=a)
    late = workflow.route(ReportFactory(rider=reporter, district=shinan), department=b)
    late.__class__.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=1))
    late.refresh_from_db()
    workflow.resolve(late, department=b, reply="已处理")
    ReportFactory(rider=reporter, district=shinan)  # submitted, not routed

    data = get_data(client, display)
    figures = data["figures"]
    assert figures["active_riders"] == 2  # the one of this week and the reporter
    assert figures["reports_today"] == 4
    assert figures["closed_on_time_rate"] == 33.3  # 1 of the 3 routed this month
    districts = {d["code"]: d for d in data["districts"]}
    assert (districts["licang"]["open"], districts["licang"]["closed"]) == (1, 1)
    assert (districts["shinan"]["open"], districts["shinan"]["closed"]) == (1, 1)
    assert districts["licang"]["name"] == licang.name_en or licang.name
    assert [row["code"] for row in data["ranking"]] == ["a-street", "b-market"]
    first = data["ranking"][0]
    assert (first["rank"], first["name"], first["received"]) == (1, "Licang Street", 2)
    assert first["closed_on_time_rate"] == 50.0

    # In Chinese the same figures carry the Chinese names (the cache holds both).
    chinese = get_data(client, display, lang="zh-hans")
    assert chinese["ranking"][0]["name"] == "李沧街道"
    assert chinese["figures"] == figures


def test_satisfaction_counts_real_answers_only(client, display):
    from governance.services import report_check

    department = DepartmentFactory()
    reports = []
    for _ in range(3):
        report = workflow.route(ReportFactory(), department=department)
        reports.append(workflow.resolve(report, department=department, reply="已处理"))
    report_check(
        report=reports[0], rider=reports[0].rider, outcome="fixed", satisfaction="satisfied"
    )
    report_check(
        report=reports[1], rider=reports[1].rider, outcome="fixed", satisfaction="dissatisfied"
    )
    assert get_data(client, display)["figures"]["satisfaction_rate"] == 50.0


def test_beds_meals_and_volunteer_hours(client, display):
    apartment = apartment_with_beds(4)
    apartment_with_beds(2, status="planned")  # not operating: not counted
    rider, waiting = RiderFactory(), RiderFactory()
    today = timezone.localdate()
    Tenancy.objects.create(
        bed=Bed.objects.filter(apartment=apartment).first(),
        rider=rider,
        monthly_rent=300,
        starts_on=today,
    )
    application_submit(rider=waiting, apartments=[apartment], desired_move_in=today)

    meal = canteen_with_meal()
    orders = [meal_order_place(rider=RiderFactory(), set_meal_id=meal.pk) for _ in range(3)]
    now = timezone.now()
    MealOrder.objects.filter(pk__in=[o.pk for o in orders[:2]]).update(
        status="collected", collected_at=now, closed_at=now
    )
    earlier = now.replace(day=1, hour=0, minute=30) if today.day > 1 else None
    if earlier is not None:  # collected earlier this month, not today
        MealOrder.objects.filter(pk=orders[2].pk).update(
            status="collected", collected_at=earlier, closed_at=earlier
        )

    leader = RiderFactory()
    team = Team.objects.create(name="志愿队", leader=leader, founded_on=dt.date(2022, 1, 1))
    old = Activity.objects.create(
        team=team, title="旧", date=dt.date(2020, 5, 1), place="李沧", hours=2, capacity=5
    )
    new = Activity.objects.create(
        team=team, title="新", date=today, place="李沧", hours=3, capacity=5
    )
    SignUp.objects.create(
        activity=old, rider=leader, status="attended", verified_hours=Decimal("2")
    )
    SignUp.objects.create(
        activity=new, rider=leader, status="attended", verified_hours=Decimal("2.5")
    )
    SignUp.objects.create(activity=new, rider=rider, status="registered")

    figures = get_data(client, display)["figures"]
    assert (figures["beds"], figures["beds_occupied"]) == (4, 1)
    assert (
        figures["applications_waiting"] == Application.objects.filter(status="waiting").count() == 1
    )
    assert figures["meals_today"] == 2
    assert figures["meals_month"] == (3 if earlier is not None else 2)
    assert (figures["volunteer_hours"], figures["volunteer_hours_month"]) == (4.5, 2.5)


def test_honour_roll_only_published_in_the_readers_language(client, display):
    rider = RiderFactory(name="王小骑", phone="13900001234", station="李沧站")
    honour = publish_honour(rider)
    publish_honour(RiderFactory(name="未发布"), status="proposed")
    data = get_data(client, display)
    assert len(data["honours"]) == 1
    shown = data["honours"][0]
    assert shown == {
        "id": honour.pk,
        "kind": "Bravery award",
        "name": "王小骑",
        "district": shown["district"],
        "station": "李沧站",
        "title": "A brave rescue",
        "story": "Pulled a man from the river at night",
        "photo": "",
        "honoured_on": honour.honoured_on.isoformat(),
    }
    assert get_data(client, display, lang="zh-hans")["honours"][0]["title"] == "见义勇为"


def test_the_displays_language_wins_over_the_browsers(client):
    display = HallDisplay.objects.create(label="中文屏", language="zh-hans")
    response = client.get(f"/hall/{display.token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-Hans">' in response.content.decode()


# --- no personal data -------------------------------------------------------------------------


def test_no_phone_rider_number_or_reporter_name(client, display):
    reporter = RiderFactory(name="李秘密", phone="13912345678", rider_number="T9999999")
    department = DepartmentFactory()
    workflow.route(ReportFactory(rider=reporter), department=department)
    honoured = RiderFactory(name="王公开", phone="13987654321", rider_number="T8888888")
    publish_honour(honoured)
    for path in (data_url(display), f"/hall/{display.token}/"):
        body = client.get(path).content.decode()
        for secret in ("李秘密", "13912345678", "T9999999", "13987654321", "T8888888"):
            assert secret not in body
        assert "王公开" in body  # the honour roll publishes the name


# --- cache and queries ------------------------------------------------------------------------


def test_one_cache_key_second_call_no_queries(client, display, django_assert_num_queries):
    get_data(client, display)
    assert cache.get(data_cache_key(display.city_id)) is not None
    with django_assert_num_queries(0):
        get_data(client, display)
        get_data(client, display, lang="zh-hans")
        client.get(f"/hall/{display.token}/")


def _city(size):
    departments = [DepartmentFactory() for _ in range(size)]
    for n in range(size):
        report = workflow.route(ReportFactory(), department=departments[n])
        if n % 2:
            workflow.resolve(report, department=departments[n], reply="已处理")
        publish_honour(RiderFactory())
    apartment = apartment_with_beds(2 * size)
    for bed in Bed.objects.filter(apartment=apartment)[:size]:
        Tenancy.objects.create(
            bed=bed, rider=RiderFactory(), monthly_rent=300, starts_on=timezone.localdate()
        )


def _queries(client, display):
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        get_data(client, display)
    return len(captured)


def test_constant_queries_at_two_sizes(client, display, django_assert_num_queries):
    _city(1)
    small = _queries(client, display)
    _city(6)
    cache.clear()
    with django_assert_num_queries(small):
        data = get_data(client, display)
    assert len(data["honours"]) == 7 and len(data["ranking"]) == 7
    assert small <= 20
