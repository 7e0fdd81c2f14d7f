"""Fuzz the department API from its own OpenAPI schema (schemathesis, bounded examples):
no 5xx, and every response conforms to the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api.services import token_issue
from governance import workflow
from tests.factories import DepartmentFactory, ReportFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def token(db):
    # Like Django's test client: keep the test's database connection open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    department = DepartmentFactory()
    for n in range(3):
        workflow.route(ReportFactory(latitude=36 + n / 10), department=department)
    _token, key = token_issue(label="fuzz", department=department)
    yield key
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
