"""The list and the detail are built from `.values()` rows (api/rows.py), not through the
serializers; the serializers still describe them in the schema. These hold the two equal on
reports with every kind of child row, and the queue's order across its two parts."""

import re
from types import SimpleNamespace

import pytest
from django.core import signing
from django.db import connection
from django.db.models import Prefetch
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.serializers import PHOTO_SALT, ReportDetailSerializer, ReportSerializer
from api.services import token_issue
from core.prepared import Prepared
from governance import selectors, services, workflow
from governance.models import (
    EvidencePhoto,
    FixAnswer,
    Priority,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportQuestion,
)
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db

PHOTO_URL = re.compile(r"/api/v1/photos/([^/]+)/")


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing", name="李沧区住建局")


@pytest.fixture
def token_and_client(department):
    token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return token, client


def stable(value):
    """Signed photo URLs carry the second they were signed: compare what they point at."""
    if isinstance(value, dict):
        return {key: stable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stable(item) for item in value]
    if isinstance(value, str) and (match := PHOTO_URL.search(value)):
        return ("photo", signing.loads(match.group(1), salt=PHOTO_SALT))
    return value


def serializer_context(token):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    return {"request": SimpleNamespace(auth=token, build_absolute_uri=request.build_absolute_uri)}


def full_report(department) -> Report:
    report = workflow.route(ReportFactory(), department=department)
    ReportPhoto.objects.create(report=report, position=2, image="a.jpg", thumbnail="a_t.jpg")
    ReportPhoto.objects.create(report=report, position=1, image="b.jpg", thumbnail="b_t.jpg")
    EvidencePhoto.objects.create(
        report=report, department=department, image="e.jpg", thumbnail="e_t.jpg"
    )
    services.report_comment(report=report, department=department, text="明天上午处理")
    services.report_ask(report=report, department=department, question="几单元？")
    FixAnswer.objects.create(
        report=report,
        rider=report.rider,
        round=0,
        outcome=FixAnswer.Outcome.FIXED,
        satisfaction=FixAnswer.Satisfaction.SATISFIED,
    )
    return report


def serialized_detail(report: Report, token) -> dict:
    report = (
        Report.objects.select_related("category", "district")
        .prefetch_related(
            "photos",
            "evidence",
            Prefetch("answers", queryset=FixAnswer.objects.order_by("round", "created_at")),
            Prefetch(
                "questions",
                queryset=ReportQuestion.objects.select_related("department").order_by("position"),
            ),
            Prefetch(
                "events",
                queryset=ReportEvent.objects.select_related("department").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .get(pk=report.pk)
    )
    return ReportDetailSerializer(report, context=serializer_context(token)).data


def test_the_detail_is_the_serializers_output(department, token_and_client):
    token, api = token_and_client
    report = full_report(department)
    body = api.get(f"/api/v1/reports/{report.public_id}/").json()
    assert body["photos"] and body["evidence"] and body["checks"] and body["questions"]
    assert len(body["timeline"]) >= 3
    assert stable(body) == stable(serialized_detail(report, token))
    assert list(body) == list(ReportDetailSerializer().fields)  # the same order of fields


def test_an_empty_report_reads_no_children(department, token_and_client):
    token, api = token_and_client
    report = workflow.route(ReportFactory(), department=department)
    ReportEvent.objects.filter(report=report).delete()
    api.get("/api/v1/reports/")  # the token is cached from here on
    with CaptureQueriesContext(connection) as queries:
        body = api.get(f"/api/v1/reports/{report.public_id}/").json()
    assert len(queries.captured_queries) == 1  # the report and what children it has
    assert body == stable(serialized_detail(report, token))


def test_the_detail_after_a_write_is_the_serializers_output(department, token_and_client):
    token, api = token_and_client
    report = workflow.route(ReportFactory(), department=department)
    body = api.post(
        f"/api/v1/reports/{report.public_id}/acknowledge/", {"note": "已派人"}, format="json"
    ).json()
    assert stable(body) == stable(serialized_detail(report, token))


def test_the_detail_with_a_filter_takes_the_general_path(department, token_and_client):
    _token, api = token_and_client
    report = workflow.route(ReportFactory(), department=department)
    url = f"/api/v1/reports/{report.public_id}/"
    assert api.get(url, {"status": "routed"}).status_code == 200
    assert api.get(url, {"status": "closed"}).status_code == 404
    assert api.get(url, {"nonsense": "1"}).status_code == 400


def queue(department) -> list[Report]:
    return list(
        selectors.reports_worked_by(department=department)
        .select_related("category", "district")
        .order_by("priority", "due_at", "id")
    )


@pytest.fixture
def mixed_queue(department):
    helper = DepartmentFactory(code="licang-fire")
    reports = [workflow.route(ReportFactory(), department=department) for _ in range(5)]
    Report.objects.filter(pk=reports[3].pk).update(priority=Priority.URGENT)
    for _ in range(3):  # led by another department, assisted by this one (联办)
        other = workflow.route(ReportFactory(), department=helper)
        services.assist_add(report=other, department=department, by=None)
    # A tie on the due time: the id decides.
    Report.objects.filter(pk=reports[1].pk).update(due_at=reports[4].due_at)
    return reports


@pytest.mark.parametrize("query", [{}, {"status": "routed"}])
def test_the_list_is_the_serializers_output_in_queue_order(
    department, token_and_client, mixed_queue, query
):
    token, api = token_and_client
    expected = ReportSerializer(queue(department), many=True, context=serializer_context(token))
    body = api.get("/api/v1/reports/", query).json()
    assert body["results"] == expected.data
    assert {row["role"] for row in body["results"]} == {"lead", "assisting"}
    assert body["next"] is None and body["previous"] is None


@pytest.mark.parametrize("query", [{}, {"overdue": "false"}])
def test_cursor_pages_walk_both_parts_in_order(department, token_and_client, mixed_queue, query):
    _token, api = token_and_client
    expected = [report.public_id for report in queue(department)]
    seen, url, params = [], "/api/v1/reports/", {**query, "page_size": 3}
    pages = []
    while url:
        body = api.get(url, params).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url, params = body["next"], None
    assert seen == expected and len(pages) == 3
    back = api.get(pages[-1]["previous"]).json()  # and back again
    assert [row["id"] for row in back["results"]] == expected[3:6]


def test_a_value_the_sql_does_not_carry_falls_back_to_the_orm(department):
    def build(shape, *, code):
        # icontains wraps the value in %…%: it does not arrive as given.
        return Report.objects.filter(category__code__icontains=code).values("public_id")

    report = ReportFactory()
    prepared = Prepared(build, code=str)
    assert prepared.rows(code="stairwell") == [{"public_id": report.public_id}]
    assert prepared.rows(code="nothing") == []


def test_a_prepared_query_is_compiled_once_and_takes_new_values(department):
    def build(shape, *, department_id):
        return Report.objects.filter(department_id=department_id).values("public_id")

    prepared = Prepared(build, department_id=int)
    other = DepartmentFactory(code="other")
    mine = workflow.route(ReportFactory(), department=department)
    theirs = workflow.route(ReportFactory(), department=other)
    assert prepared.rows(department_id=department.pk) == [{"public_id": mine.public_id}]
    assert prepared.rows(department_id=other.pk) == [{"public_id": theirs.public_id}]
    assert len(prepared.compiled()) == 1


def test_past_its_variants_a_prepared_query_runs_through_the_orm(department):
    def build(shape, *, department_id):
        return Report.objects.filter(department_id=department_id).values("public_id")[:shape]

    prepared = Prepared(build, department_id=int)
    prepared.MAX_SHAPES = 1
    reports = [workflow.route(ReportFactory(), department=department) for _ in range(2)]
    assert len(prepared.rows(1, department_id=department.pk)) == 1
    assert len(prepared.rows(2, department_id=department.pk)) == 2  # not kept, still right
    assert list(prepared.compiled()) == [("default", 1)] and len(reports) == 2


def test_a_query_empty_before_it_runs_falls_back_to_the_orm(department):
    def build(shape, *, department_id):
        return Report.objects.filter(department_id=department_id, pk__in=[]).values("pk")

    assert Prepared(build, department_id=int).rows(department_id=department.pk) == []
