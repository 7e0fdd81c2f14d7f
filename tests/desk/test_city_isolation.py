"""Cities as tenants (issue 19), the workbench: a Qingdao officer (or head) never sees a Jinan
report: not in the queue, a 404 on its page and every action, not in the scorecard."""

from decimal import Decimal

import pytest

from governance import workflow
from governance.models import Report
from tests.desk.report_helpers import officer, page
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, jinan

pytestmark = pytest.mark.django_db


@pytest.fixture
def qingdao_dept():
    return DepartmentFactory(code="qd-urban", name="青岛市城管局")


@pytest.fixture
def jinan_dept():
    return DepartmentFactory(code="jn-lixia-urban", name="历下区城管局", city=jinan())


@pytest.fixture
def jinan_report(jinan_dept):
    district = jinan("lixia")
    report = ReportFactory(
        rider=RiderFactory(district=district),
        district=district,
        latitude=Decimal("36.666000"),
        longitude=Decimal("117.076000"),
    )
    return workflow.route(report, department=jinan_dept)


@pytest.mark.parametrize("head", [False, True])
def test_a_qingdao_officer_never_sees_a_jinan_report(client, qingdao_dept, jinan_report, head):
    ours = workflow.route(ReportFactory(), department=qingdao_dept)
    client.force_login(officer(qingdao_dept, is_head=head))
    queue = client.get("/desk/").content.decode()
    assert ours.public_id in queue and jinan_report.public_id not in queue
    assert client.get(page(jinan_report)).status_code == 404
    for action in ("acknowledge", "ask", "resolve", "reject", "transfer", "comment", "evidence"):
        assert client.post(page(jinan_report, action), {}).status_code == 404, action
    assert Report.objects.get(pk=jinan_report.pk).status == jinan_report.status
    scorecard = client.get("/desk/scorecard/").content.decode()
    assert "历下区城管局" not in scorecard


def test_the_jinan_officer_sees_it(client, jinan_dept, jinan_report):
    client.force_login(officer(jinan_dept))
    assert client.get(page(jinan_report)).status_code == 200
    assert jinan_report.public_id in client.get("/desk/").content.decode()
