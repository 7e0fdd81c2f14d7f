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
