"""/api/schema/ and /api/docs/ are public by decision (docs/decisions.md): they describe the
interface and hold no secret and no data; the schema is generated once per language, so an
anonymous caller cannot keep a worker busy with it."""

import pytest
from django.test import Client

from api.services import token_issue
from api.views import SchemaView
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_schema_cache():
    SchemaView._schemas.clear()
    yield
    SchemaView._schemas.clear()


def test_anyone_may_read_the_schema_and_the_docs():
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/reports/{id}/resolve/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"/api/schema/" in docs.content


def test_the_schema_holds_no_secret_and_no_data():
    department = DepartmentFactory()
    report = ReportFactory()
    _token, key = token_issue(label="officer", department=department)
    text = Client().get("/api/schema/").content.decode()
    for secret in (key, key[:8], report.public_id, report.rider.phone, report.rider.rider_number):
        assert secret not in text
    assert "SECRET_KEY" not in text and "postgres://" not in text


def test_the_schema_is_generated_once_per_language(monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    calls = []
    original = SchemaGenerator.get_schema
    monkeypatch.setattr(
        SchemaGenerator,
        "get_schema",
        lambda self, *a, **kw: calls.append(1) or original(self, *a, **kw),
    )
    client = Client()
    for _ in range(3):
        assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/?lang=en").status_code == 200
    # Junk languages and versions fall back to the default: no new schema, no unbounded cache.
    for junk in ("?lang=%00", "?lang=xx-zz", "?version=../../x", "?lang=en&version=9"):
        assert client.get(f"/api/schema/{junk}").status_code == 200
    assert len(calls) == 2 and set(SchemaView._schemas) == {"zh-hans", "en"}


def test_the_schema_speaks_the_requested_language():
    client = Client()
    english = client.get("/api/schema/?lang=en", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    chinese = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert english.status_code == chinese.status_code == 200
    assert english.json()["openapi"].startswith("3.")
    assert english.content != chinese.content  # translated titles and messages
