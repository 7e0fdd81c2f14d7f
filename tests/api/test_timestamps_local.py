"""Every timestamp the department API writes is in the site's time, +08:00 (issue 17 item 8).

A comment's `at` once came back in UTC (the view wrote the database's datetime itself): this
walks every JSON answer of a report's working life and checks each ISO datetime in it.
"""

import re

import pytest
from rest_framework.test import APIClient

from api.services import token_issue
from governance import workflow
from governance.models import Report
from tests.factories import DepartmentFactory, ReportFactory, photo_upload

pytestmark = pytest.mark.django_db

ISO_DATETIME = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?\Z")


def datetimes_in(value, path="$"):
    """(path, text) of every ISO datetime string anywhere in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from datetimes_in(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from datetimes_in(item, f"{path}[{index}]")
    elif isinstance(value, str) and ISO_DATETIME.match(value):
        yield path, value


def assert_all_local(response) -> int:
    assert response.status_code < 300, response.content
    found = list(datetimes_in(response.json()))
    wrong = [(path, text) for path, text in found if not text.endswith("+08:00")]
    assert not wrong, wrong
    return len(found)


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-housing", name="李沧区住建局")


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer 1", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_walker_finds_datetimes_and_catches_utc():
    body = {"a": [{"at": "2026-12-02T10:00:00Z"}], "b": "2026-12-02T18:00:00+08:00", "c": "R1"}
    assert list(datetimes_in(body)) == [
        ("$.a[0].at", "2026-12-02T10:00:00Z"),
        ("$.b", "2026-12-02T18:00:00+08:00"),
    ]
    assert list(datetimes_in({"d": "2026-12-02", "e": "not a time"})) == []


def test_every_answer_of_a_reports_working_life_is_in_plus_eight(api, department):
    report = workflow.route(ReportFactory(), department=department)
    url = f"/api/v1/reports/{report.public_id}"
    seen = 0
    seen += assert_all_local(api.post(f"{url}/acknowledge/", {"note": "已派人"}, format="json"))
    # The comment: the field that came back in UTC.
    comment = api.post(f"{url}/comments/", {"text": "明天上午处理"}, format="json")
    assert comment.status_code == 201 and assert_all_local(comment) == 1
    evidence = api.post(f"{url}/evidence/", {"photo": photo_upload()}, format="multipart")
    assert evidence.status_code == 201 and assert_all_local(evidence) == 1
    seen += assert_all_local(api.post(f"{url}/ask/", {"question": "几单元？"}, format="json"))
    seen += assert_all_local(api.get(f"{url}/"))
    seen += assert_all_local(api.get("/api/v1/reports/"))
    seen += assert_all_local(api.get("/api/v1/reports/", {"updated_since": "2020-01-01T00:00:00Z"}))
    for path in ("/api/v1/categories/", "/api/v1/departments/", "/api/v1/templates/"):
        assert_all_local(api.get(path))
    assert_all_local(api.get("/api/v1/stats/"))
    # The report's created, routed, acknowledged, due and paused times and its timeline at least.
    assert seen >= 10
    assert Report.objects.get(pk=report.pk).status == "waiting"


def test_a_replayed_comment_answers_the_same_local_time(api, department):
    report = workflow.route(ReportFactory(), department=department)
    url = f"/api/v1/reports/{report.public_id}/comments/"
    headers = {"HTTP_IDEMPOTENCY_KEY": "comment-1"}
    first = api.post(url, {"text": "明天上午处理"}, format="json", **headers)
    again = api.post(url, {"text": "明天上午处理"}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert assert_all_local(again) == 1 and first.json() == again.json()


def test_bad_input_answers_without_a_timestamp_to_check(api, department):
    report = workflow.route(ReportFactory(), department=department)
    bad = api.post(f"/api/v1/reports/{report.public_id}/comments/", {"text": ""}, format="json")
    assert bad.status_code == 400 and list(datetimes_in(bad.json())) == []
