"""Fuzz Open311 from its OpenAPI description (open311/openapi.yaml, schemathesis, bounded
examples): no 5xx on any input, and every response, JSON or XML, conforms to the description."""

from xml.etree import ElementTree as ET

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api.services import token_issue
from governance import services, workflow
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.yaml", get_wsgi_application())


@schemathesis.deserializer("text/xml")
def _well_formed_xml(_context, response):
    """An XML body must parse; its text is what the description's `type: string` checks."""
    text = response.content.decode("utf-8")
    ET.fromstring(response.content)
    return text


@pytest.fixture
def api_key(db):
    # Like Django's test client: keep the test's database connection open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    department = DepartmentFactory()
    RiderFactory(rider_number="QD000001")
    for n in range(3):
        workflow.route(ReportFactory(latitude=36 + n / 10), department=department)
    workflow.resolve(
        workflow.route(ReportFactory(latitude=36.5), department=department),
        department=department,
        reply="已处理",
    )
    # The closed loop's statuses too, so their updates (REOPEN, FIXED) are checked against it.
    for n, outcome in enumerate(("not_fixed", "fixed")):
        report = workflow.resolve(
            workflow.route(ReportFactory(latitude=36.6 + n / 10), department=department),
            department=department,
            reply="已处理",
        )
        services.report_check(
            rider=report.rider, report=report, outcome=outcome, satisfaction="satisfied"
        )
    _token, key = token_issue(label="fuzz", integration=True)
    yield key
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_open311_conforms_to_its_description(case, api_key):
    if case.method == "POST" and isinstance(case.body, dict):
        # A real key and rider, so the fuzzer reaches the validation of every other field.
        case.body["api_key"] = api_key
        case.body.setdefault("account_id", "QD000001")
    # Not "schema-valid request rejected": whether a request is valid depends on the database
    # (a known service_code, an active rider) and on ranges a date-time string cannot state.
    # schemathesis's WSGI transport does not undo Content-Encoding (tests/core/test_gzip.py).
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
