"""The closed loop in Open311 (issue 14): GeoReport's open/closed follows the report through the
rider's check, and FixMyStreet's servicerequestupdates say REOPEN for a reopen and FIXED for a
confirmation, in JSON and XML, as the hand-kept description says."""

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from governance import services, workflow
from governance.models import FixAnswer, Report
from open311 import views
from open311.views import FMS_STATUS
from tests.factories import DepartmentFactory, ReportFactory, photo_upload

pytestmark = pytest.mark.django_db
A = FixAnswer.Outcome
H = FixAnswer.Satisfaction


@pytest.fixture
def department():
    return DepartmentFactory()


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def request_row(client, report: Report) -> dict:
    [row] = client.get(f"/open311/v2/requests/{report.public_id}.json").json()
    return row


def updates(client, report: Report) -> list[str]:
    rows = client.get("/open311/v2/servicerequestupdates.json").json()
    return [u["status"] for u in rows if u["service_request_id"] == report.public_id]


def not_fixed(report: Report) -> None:
    services.report_check(
        rider=report.rider,
        report=report,
        outcome=A.NOT_FIXED,
        satisfaction=H.DISSATISFIED,
        comment="还堆着",
        photo=photo_upload(),
    )


def test_open_and_closed_follow_the_riders_check(client, department):
    report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    row = request_row(client, report)
    assert row["status"] == "closed" and row["status_notes"] == "纸箱已清理"
    not_fixed(report)
    row = request_row(client, report)
    assert row["status"] == "open"
    # The old reply no longer describes the report: the status does, in the reader's language.
    assert row["status_notes"] != "纸箱已清理"
    assert row["expected_datetime"] == fresh(report).due_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))
    ).isoformat(timespec="seconds")
    open_ids = [
        r["service_request_id"] for r in client.get("/open311/v2/requests.json?status=open").json()
    ]
    assert report.public_id in open_ids
    workflow.resolve(fresh(report), department=department, reply="已彻底清理")
    not_fixed(fresh(report))  # the second time: the centre's supervision, open
    assert request_row(client, report)["status"] == "open"
    workflow.close(fresh(report), actor=None, reason="业主自行清理，中心结案")
    assert request_row(client, report)["status"] == "closed"
    closed_ids = [
        r["service_request_id"]
        for r in client.get("/open311/v2/requests.json?status=closed").json()
    ]
    assert report.public_id in closed_ids
    assert updates(client, report) == [
        "OPEN",  # routed (the factory writes no "submitted" line)
        "FIXED",  # resolved
        "REOPEN",  # the rider: not fixed
        "FIXED",  # resolved again
        "INVESTIGATING",  # not fixed again: supervision
        "CLOSED",  # closed by the centre with a reason
    ]


def test_a_confirmation_is_a_fixed_update_by_the_rider_or_by_default(client, department):
    by_rider = workflow.route(ReportFactory(), department=department)
    workflow.resolve(by_rider, department=department, reply="已清理")
    services.report_check(
        rider=by_rider.rider, report=by_rider, outcome=A.FIXED, satisfaction=H.SATISFIED
    )
    silent = workflow.route(ReportFactory(latitude=36.3), department=department)
    silent = workflow.resolve(silent, department=department, reply="已清理")
    services.unchecked_fixes_accept(now=silent.verify_by + dt.timedelta(seconds=1))
    for report in (by_rider, silent):
        assert fresh(report).status == "confirmed"
        assert request_row(client, report)["status"] == "closed"
        assert updates(client, report)[-2:] == ["FIXED", "FIXED"]  # resolved, then confirmed
    rows = client.get("/open311/v2/servicerequestupdates.json", HTTP_ACCEPT_LANGUAGE="en").json()
    [default] = [
        u for u in rows if u["service_request_id"] == silent.public_id and "72" in u["description"]
    ]
    assert default["status"] == "FIXED"


def test_updates_in_xml_say_reopen(client, department):
    report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="已清理")
    not_fixed(report)
    root = ET.fromstring(client.get("/open311/v2/servicerequestupdates.xml").content)
    statuses = [
        u.findtext("status")
        for u in root.findall("request_update")
        if u.findtext("service_request_id") == report.public_id
    ]
    assert statuses[-1] == "REOPEN"


def test_every_update_status_is_in_the_description():
    description = yaml.safe_load((Path(views.__file__).parent / "openapi.yaml").read_text())
    enum = description["components"]["schemas"]["RequestUpdate"]["properties"]["status"]["enum"]
    assert set(FMS_STATUS.values()) <= set(enum)


def test_the_riders_own_words_about_a_fix_stay_out_of_the_public_feed(client, department):
    report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    not_fixed(report)  # comment "还堆着"
    rows = client.get("/open311/v2/servicerequestupdates.json", HTTP_ACCEPT_LANGUAGE="en").json()
    reopen = [
        u for u in rows if u["service_request_id"] == report.public_id and u["status"] == "REOPEN"
    ]
    assert len(reopen) == 1
    assert "还堆着" not in reopen[0]["description"]
    assert reopen[0]["description"] == "Not fixed · Dissatisfied"
