"""Response templates through the department API (issue 14): a department lists its own and the
shared ones, and resolves with a template id and the text of each blank instead of a note;
another department's template is a 422 like an unknown id, a blank left empty a 422 naming it;
the rest of resolving (minimum reply, evidence photo, idempotency) is unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import token_issue
from governance import workflow
from governance.models import Report, ReportStatus, ResponseTemplate
from tests.factories import DepartmentFactory, ReportFactory, category, photo_upload

pytestmark = pytest.mark.django_db
TEMPLATES = "/api/v1/templates/"


@pytest.fixture
def department():
    return DepartmentFactory(code="licang-city", name="李沧城管")


@pytest.fixture
def api(department):
    _token, key = token_issue(label="officer", department=department)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def template(
    department, body="已于{time}清理{place}，现场已恢复通畅。", **kwargs
) -> ResponseTemplate:
    kwargs.setdefault("title", "清理完毕")
    return ResponseTemplate.objects.create(department=department, body=body, **kwargs)


def resolve(api, report: Report, data: dict, **extra):
    return api.post(
        f"/api/v1/reports/{report.public_id}/resolve/",
        data,
        format=extra.pop("format", "json"),
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def routed(department, **kwargs) -> Report:
    return workflow.route(ReportFactory(**kwargs), department=department)


def test_the_list_is_its_own_and_the_shared_ones(api, department):
    ResponseTemplate.objects.all().delete()  # the migration's
    own = template(department, sort_order=2)
    shared = template(None, title="通用", body="已处理完毕", sort_order=1)
    template(DepartmentFactory(), title="别的部门")
    template(department, title="停用", is_active=False)
    body = api.get(TEMPLATES).json()
    assert [row["id"] for row in body] == [shared.pk, own.pk]
    assert body[1] == {
        "id": own.pk,
        "title": "清理完毕",
        "body": "已于{time}清理{place}，现场已恢复通畅。",
        "category": None,
        "shared": False,
        "placeholders": ["time", "place"],
    }
    assert body[0]["shared"] is True


def test_the_list_for_a_category_has_its_own_and_the_any_category_ones(api, department):
    ResponseTemplate.objects.all().delete()
    anything = template(department)
    fire = template(department, title="消防", category=category("blocked-fire-lane"))
    template(department, title="楼道", category=category("stairwell-clutter"))
    body = api.get(TEMPLATES, {"category": "blocked-fire-lane"}).json()
    assert [row["id"] for row in body] == [anything.pk, fire.pk]
    assert body[1]["category"] == "blocked-fire-lane"


def test_an_unknown_query_parameter_is_a_400(api):
    response = api.get(TEMPLATES, {"categroy": "blocked-fire-lane"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["categroy"]


def test_the_list_needs_a_token():
    assert APIClient().get(TEMPLATES).status_code == 401


def test_the_list_uses_constant_queries(api, department):
    api.get(TEMPLATES)  # the first use of a token writes its last-used time
    counts = []
    for size in (1, 10):
        ResponseTemplate.objects.all().delete()
        for n in range(size):
            template(department, title=f"模板{n}", category=category("blocked-fire-lane"))
            template(None, title=f"通用{n}")
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get(TEMPLATES).json()) == 2 * size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_resolving_with_a_template_fills_in_the_note(api, department):
    report = routed(department)
    row = template(department)
    response = resolve(
        api, report, {"template": row.pk, "fields": {"time": "10:30", "place": "楼道"}}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["reply"] == "已于10:30清理楼道，现场已恢复通畅。"
    report.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED
    assert report.reply == "已于10:30清理楼道，现场已恢复通畅。"


def test_a_template_with_the_evidence_photo_as_multipart(api, department):
    report = routed(department, category=category("blocked-fire-lane"))
    row = template(None, body="已于{time}清空消防通道", category=category("blocked-fire-lane"))
    data = {"template": row.pk, "fields.time": "10:30", "photo": photo_upload()}
    response = resolve(api, report, data, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["reply"] == "已于10:30清空消防通道"
    assert len(response.json()["evidence"]) == 1


def test_the_category_minimum_still_holds_for_a_filled_in_template(api, department):
    report = routed(department, category=category("blocked-fire-lane"))
    row = template(None, body="已于{time}清空消防通道")
    response = resolve(api, report, {"template": row.pk, "fields": {"time": "10:30"}})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["photo"]


def test_a_blank_left_empty_is_a_422_naming_it_and_nothing_is_written(api, department):
    report = routed(department)
    row = template(department)
    response = resolve(api, report, {"template": row.pk, "fields": {"time": "10:30"}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "resolution_incomplete"
    assert list(error["fields"]) == ["fields.place"]
    report.refresh_from_db()
    assert report.status == ReportStatus.ROUTED and not report.reply


def test_another_departments_template_is_refused_like_an_unknown_one(api, department):
    report = routed(department)
    theirs = template(DepartmentFactory())
    fields = {"time": "10:30", "place": "楼道"}
    refused = resolve(api, report, {"template": theirs.pk, "fields": fields})
    unknown = resolve(api, report, {"template": theirs.pk + 1000, "fields": fields})
    assert refused.status_code == unknown.status_code == 422
    assert refused.json() == unknown.json()
    assert list(refused.json()["error"]["fields"]) == ["template"]
    report.refresh_from_db()
    assert report.status == ReportStatus.ROUTED


@pytest.mark.parametrize(
    "data",
    [{"note": "已清理", "template": 1}, {"note": "已清理", "template": 0}],
)
def test_a_note_and_a_template_both_is_a_422(api, department, data):
    report = routed(department)
    response = resolve(api, report, data)
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["code"] == "resolution_incomplete"
    assert "note" in response.json()["error"]["fields"]
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ROUTED


@pytest.mark.parametrize(
    "data", [{}, {"template": 1, "fields": {"time": 1030}}, {"template": 1, "fields": ["10:30"]}]
)
def test_neither_or_a_template_with_badly_shaped_fields_is_a_400(api, department, data):
    report = routed(department)
    response = resolve(api, report, data)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"


def test_fields_next_to_a_note_are_not_read(api, department):
    # The schema's note shape allows other keys, as every input here does.
    report = routed(department)
    response = resolve(api, report, {"note": "已清理完毕", "fields": {"time": 1030}})
    assert response.status_code == 200, response.json()
    assert response.json()["reply"] == "已清理完毕"


def test_a_retry_with_the_same_key_gives_the_first_answer(api, department):
    report = routed(department)
    row = template(department)
    data = {"template": row.pk, "fields": {"time": "10:30", "place": "楼道"}}
    first = resolve(api, report, data, HTTP_IDEMPOTENCY_KEY="tpl-1")
    again = resolve(api, report, data, HTTP_IDEMPOTENCY_KEY="tpl-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert report.events.filter(kind="resolved").count() == 1


def test_the_schema_documents_both_shapes_and_the_list():
    schema = APIClient().get("/api/schema/?format=json", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/templates/" in schema["paths"]
    resolve_op = schema["paths"]["/api/v1/reports/{id}/resolve/"]["post"]
    examples = resolve_op["requestBody"]["content"]["application/json"]["examples"]
    assert {"Resolve", "ResolveWithATemplate"} <= set(examples)
    problems = resolve_op["responses"]["422"]["content"]["application/json"]["examples"]
    assert {"TemplateBlankNotFilledIn", "NotYourDepartment'sTemplate"} <= set(problems)
    json_input = resolve_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    shapes = schema["components"]["schemas"][json_input.rsplit("/", 1)[-1]]["oneOf"]
    assert [shape["$ref"].rsplit("/", 1)[-1] for shape in shapes] == [
        "ResolveWithNoteRequest",
        "ResolveWithTemplateRequest",
    ]
    form = resolve_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["$ref"].endswith("/ResolveWithNoteAndPhotoRequest")
    assert "fields.<name>" in resolve_op["description"]
