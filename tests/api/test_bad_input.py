"""Department API: bodies that crashed the server (a 100,000-deep JSON array: RecursionError)
or could, answered 400 in the API's error shape before any view logic runs."""

import pytest
from rest_framework.test import APIClient

from api.parsers import MAX_DEPTH, nesting_depth
from api.services import token_issue
from governance import workflow
from governance.models import ReportEvent
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer", department=department)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def comments_url(department):
    report = workflow.route(ReportFactory(), department=department)
    return f"/api/v1/reports/{report.public_id}/comments/"


def assert_api_error(response, code: str, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["code"] == code
    return error


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError in the decoder
        '{"text": ' + "[" * 100_000,  # and unterminated
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),  # parses, nests too deeply
        '{"text": ' + "[" * 500 + '"x"' + "]" * 500 + "}",
    ],
    ids=["array-100000", "unterminated", "object-50000", "just-over-the-limit", "inside-a-field"],
)
def test_deeply_nested_json_is_a_400(api, comments_url, body):
    response = api.generic("POST", comments_url, body, content_type="application/json")
    assert_api_error(response, "parse_error")
    assert not ReportEvent.objects.filter(kind=ReportEvent.Kind.COMMENT).exists()


def test_the_nesting_message_is_clear(api, comments_url):
    response = api.generic(
        "POST",
        comments_url,
        "[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert assert_api_error(response, "parse_error")["message"] == (
        f"The JSON nests deeper than {MAX_DEPTH} levels."
    )


def test_ordinary_json_still_works(api, comments_url):
    response = api.post(comments_url, {"text": "明天上午处理"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    ['{"text": NaN}', '{"text": 1' + "0" * 5000 + "}", b'{"text": "\xff"}', '{"text": "\\ud800"}'],
    ids=["nan", "5000-digit-number", "not-utf8", "lone-surrogate"],
)
def test_other_hostile_json_is_a_400(api, comments_url, body):
    response = api.generic("POST", comments_url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
def test_nul_in_a_field_is_a_400(api, comments_url, text):
    response = api.post(comments_url, {"text": text}, format="json")
    error = assert_api_error(response, "invalid")
    assert "text" in error["fields"]


@pytest.mark.parametrize(
    "query",
    [
        "category=a%00b",
        "district=%00",
        "updated_since=0001-01-01T00:00:00%2B23:00",
        "updated_since=9999-12-31T23:59:59-23:59",
        "page_size=100000000000000000000",
        "cursor=%00",
    ],
)
def test_hostile_filters_are_never_a_500(api, query):
    response = api.get(f"/api/v1/reports/?{query}")
    assert response.status_code in (200, 400, 404), response.content[:300]
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_nesting_depth_is_counted_without_recursion():
    assert nesting_depth(1) == 0 and nesting_depth([]) == 1 and nesting_depth({"a": [1]}) == 2
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nesting_depth(deep) == 100_001
