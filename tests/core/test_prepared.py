"""Prepared queries that yield model instances (core/prepared.py, PreparedModels) give what the
ORM gives, in one statement compiled once; sessions are read with one (core/sessions.py) and
stay in the database: a session deleted or expired there is gone at once."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Count, Prefetch
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.prepared import PreparedModels
from governance import workflow
from governance.models import Report, ReportPhoto
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db


def by_department(_shape, *, department_id):
    return (
        Report.objects.filter(department_id=department_id)
        .select_related("category", "department", "district")
        .prefetch_related(
            Prefetch("photos", queryset=ReportPhoto.objects.order_by("position"), to_attr="pics")
        )
        .annotate(events_n=Count("events"))
        .order_by("created_at", "id")
    )


def test_instances_are_what_the_orm_gives_with_their_related_rows():
    department, other = DepartmentFactory(code="roads"), DepartmentFactory(code="parks")
    mine = [workflow.route(ReportFactory(), department=department) for _ in range(3)]
    workflow.route(ReportFactory(), department=other)
    ReportPhoto.objects.create(report=mine[0], image="reports/a.jpg", position=1)
    prepared = PreparedModels(by_department, department_id=int)
    expected = list(by_department(None, department_id=department.pk))

    with CaptureQueriesContext(connection) as captured:
        found = prepared.objects(department_id=department.pk)
        # Joined and prefetched: reading them costs nothing more.
        seen = [
            (r.pk, r.category.code, r.department.code, r.district.code, len(r.pics), r.events_n)
            for r in found
        ]
    assert seen == [
        (r.pk, r.category.code, r.department.code, r.district.code, len(r.pics), r.events_n)
        for r in expected
    ]
    assert [r.pk for r in found] == [r.pk for r in mine]
    assert len(captured) == 2  # the reports, their photos
    assert all(isinstance(r, Report) and r._state.db == "default" for r in found)


def test_compiled_once_then_only_new_values():
    department, other = DepartmentFactory(code="roads"), DepartmentFactory(code="parks")
    mine = workflow.route(ReportFactory(), department=department)
    theirs = workflow.route(ReportFactory(), department=other)
    prepared = PreparedModels(by_department, department_id=int)
    assert [r.pk for r in prepared.objects(department_id=department.pk)] == [mine.pk]
    assert [r.pk for r in prepared.objects(department_id=other.pk)] == [theirs.pk]
    assert [r.pk for r in prepared.objects(department_id=other.pk + 1000)] == []
    assert len(prepared.compiled()) == 1


def test_a_value_the_sql_does_not_carry_takes_the_orm():
    report = ReportFactory()
    prepared = PreparedModels(
        lambda _shape, code: Report.objects.filter(category__code__icontains=code), code=str
    )
    assert [r.pk for r in prepared.objects(code=report.category.code[1:])] == [report.pk]
    assert prepared.objects(code="nothing-like-it") == []


def session_queries(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/me/").status_code == 200
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_session_is_read_with_one_statement_from_the_database():
    client = Client()
    client.force_login(RiderFactory().user, backend="riders.auth.RiderSessionBackend")
    client.get("/me/")
    assert len(session_queries(client)) == 1


def test_a_session_deleted_in_the_database_is_signed_out_at_once():
    client = Client()
    client.force_login(RiderFactory().user, backend="riders.auth.RiderSessionBackend")
    assert client.get("/me/").status_code == 200
    Session.objects.all().delete()
    response = client.get("/me/")
    assert response.status_code == 302 and "/sign-in/" in response.url


def test_an_expired_session_is_signed_out():
    client = Client()
    client.force_login(RiderFactory().user, backend="riders.auth.RiderSessionBackend")
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/me/")
    assert response.status_code == 302 and "/sign-in/" in response.url


def test_a_made_up_session_key_is_anonymous():
    client = Client()
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/me/")
    assert response.status_code == 302 and "/sign-in/" in response.url


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite adapts dates: the ORM")
def test_the_hot_statements_are_really_prepared(sms_outbox):
    """Each of these passes its values through unchanged on PostgreSQL, so it is compiled once
    and not quietly sent back to the ORM (core/prepared.py's fallback)."""
    from apartments.selectors import _PENDING_OFFER
    from canteen.selectors import _PICKUPS
    from core.prepared import UNPREPARED
    from core.sessions import _SESSION_DATA
    from governance.selectors import _ASKED_ABOUT, _AWAITING_CHECK
    from governance.services import _DUPLICATE_CANDIDATES, report_route_automatically
    from governance.workflow import _LOCKED
    from growth.selectors import _NEXT_SESSION
    from rewards.selectors import _BALANCE, _REDEEMABLE
    from riders.auth import _USER
    from riders.selectors import _TIERS
    from subsidies.selectors import _CLAIMED

    rider = RiderFactory()
    client = Client()
    client.force_login(rider.user, backend="riders.auth.RiderSessionBackend")
    assert client.get("/").status_code == 200
    report_route_automatically(report_id=ReportFactory().pk)
    statements = [_SESSION_DATA, _USER, _PENDING_OFFER, _PICKUPS, _AWAITING_CHECK]
    statements += [_ASKED_ABOUT, _NEXT_SESSION, _BALANCE, _REDEEMABLE, _CLAIMED]
    statements += [_LOCKED, _DUPLICATE_CANDIDATES]
    if rider.tier_periods.exists():
        statements.append(_TIERS)
    for statement in statements:
        variants = statement.compiled()
        assert variants and UNPREPARED not in variants.values(), statement.build


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PREPARE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_on_postgresql_the_server_prepares_each_statement_once_per_connection():
    from core.prepared import _OnServer

    department = DepartmentFactory(code="roads")
    mine = workflow.route(ReportFactory(), department=department)
    prepared = PreparedModels(by_department, department_id=int)
    with CaptureQueriesContext(connection) as captured:
        assert [r.pk for r in prepared.objects(department_id=department.pk)] == [mine.pk]
    sent = captured.captured_queries[0]["sql"]
    assert "EXECUTE rp_prepared_" in sent and 'FROM "governance_report"' in sent  # shown
    (server,) = [v[-1] for v in prepared.compiled().values()]
    assert isinstance(server, _OnServer) and not server.refused
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [server.name])
        assert cursor.fetchone()[0] == 1
    # A new connection (a restart of the database, a recycled one) is prepared anew.
    connection.close()
    assert [r.pk for r in prepared.objects(department_id=department.pk)] == [mine.pk]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PREPARE is PostgreSQL's")
def test_a_statement_the_server_cannot_prepare_runs_as_sql_in_the_same_transaction():
    from django.db import transaction

    from core.prepared import _OnServer

    # `$1 IS NULL`: PostgreSQL cannot tell the parameter's type, so PREPARE is refused.
    server = _OnServer("SELECT %s IS NULL", 1)
    report = ReportFactory()
    with transaction.atomic():
        assert server.sql("default", "SELECT %s IS NULL") == "SELECT %s IS NULL"
        assert server.refused
        report.refresh_from_db()  # the transaction is still usable after the refusal
        with connection.cursor() as cursor:
            cursor.execute(server.sql("default", "SELECT %s IS NULL"), [None])
            assert cursor.fetchone() == (True,)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PREPARE is PostgreSQL's")
def test_with_server_preparing_off_the_plain_sql_is_sent(settings):
    settings.DB_SERVER_PREPARED = False
    department = DepartmentFactory(code="roads")
    prepared = PreparedModels(by_department, department_id=int)
    with CaptureQueriesContext(connection) as captured:
        prepared.objects(department_id=department.pk)
    assert "EXECUTE" not in captured.captured_queries[0]["sql"]


def test_a_long_running_process_still_prepares_a_small_integer_comparison():
    """Stand-ins stay in range however many statements a process has compiled: a
    smallint comparison past 32,767 would have gone quietly back to the ORM."""
    from core import prepared as module

    for _ in range(5_000):  # as many stand-ins as a long-lived worker makes
        next(module._counter)
    report = workflow.route(ReportFactory(), department=DepartmentFactory(code="roads"))
    statement = module.Prepared(
        lambda _shape, level: Report.objects.filter(escalation_level=level).values("pk"),
        level=int,
    )
    assert statement.rows(level=report.escalation_level) == [{"pk": report.pk}]
    assert module.UNPREPARED not in statement.compiled().values()
