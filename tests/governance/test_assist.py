"""Joint handling (联办, issue 14): the dispatcher adds assisting departments to an open report;
each comments and attaches evidence, only the lead acknowledges, asks, resolves, rejects or
transfers; the assisting department's own webhook is told (report.assisting), nobody else's."""

import pytest

from core.models import City
from governance import services, workflow
from governance.models import EvidencePhoto, Report, ReportAssist, ReportEvent, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, StaffFactory, photo_upload
from webhooks.models import Delivery, Event, Webhook

pytestmark = pytest.mark.django_db
K = ReportEvent.Kind


@pytest.fixture
def lead():
    return DepartmentFactory(code="licang-housing", name="李沧住建局", name_en="Housing")


@pytest.fixture
def helper():
    return DepartmentFactory(code="licang-fire", name="李沧消防", name_en="Fire")


@pytest.fixture
def staff():
    return StaffFactory()


def routed(department) -> Report:
    return workflow.route(ReportFactory(), department=department)


def test_add_and_remove_an_assisting_department(lead, helper, staff):
    report = routed(lead)
    assist = services.assist_add(report=report, department=helper, by=staff)
    assert (assist.department, assist.added_by) == (helper, staff)
    added = report.events.latest("id")
    assert (added.kind, added.public, added.department, added.actor) == (
        K.ASSIST_ADDED,
        False,
        helper,
        staff,
    )
    services.assist_remove(report=report, department=helper, by=staff)
    assert not ReportAssist.objects.filter(report=report).exists()
    removed = report.events.latest("id")
    assert (removed.kind, removed.public) == (K.ASSIST_REMOVED, False)
    with pytest.raises(workflow.IllegalTransition) as error:
        services.assist_remove(report=report, department=helper, by=staff)
    assert error.value.code == "not_assisting"


def test_refused_assisting_departments(lead, helper, staff):
    report = routed(lead)
    services.assist_add(report=report, department=helper, by=staff)
    with pytest.raises(workflow.IllegalTransition) as error:
        services.assist_add(report=report, department=helper, by=staff)
    assert error.value.code == "already_assisting"
    with pytest.raises(services.TransferInvalid) as error:
        services.assist_add(report=report, department=lead, by=staff)
    assert error.value.code == "already_lead"
    for department in (
        DepartmentFactory(is_active=False),
        DepartmentFactory(city=City.objects.create(code="jinan", name="济南")),
    ):
        with pytest.raises(services.TransferInvalid) as error:
            services.assist_add(report=report, department=department, by=staff)
        assert error.value.code == "department_unknown"
    assert report.assists.count() == 1


def test_only_while_the_report_is_open(lead, helper, staff):
    report = workflow.resolve(routed(lead), department=lead, reply="已处理完毕")
    report = workflow.confirm(report)
    with pytest.raises(workflow.IllegalTransition) as error:
        services.assist_add(report=report, department=helper, by=staff)
    assert error.value.code == "report_closed"


def test_the_assistant_comments_and_adds_evidence(lead, helper, staff):
    report = routed(lead)
    services.assist_add(report=report, department=helper, by=staff)
    event = services.report_comment(report=report, department=helper, text="消防通道已协查")
    assert (event.department, event.kind) == (helper, K.COMMENT)
    photo = services.report_evidence_add(report=report, department=helper, photo=photo_upload())
    assert photo.department == helper
    # The lead's resolution evidence counts its own photos only.
    fire_lane = routed(lead)
    fire_lane.category.evidence_required = True
    fire_lane.category.save()
    services.assist_add(report=fire_lane, department=helper, by=staff)
    services.report_evidence_add(report=fire_lane, department=helper, photo=photo_upload())
    with pytest.raises(workflow.ResolutionIncomplete):
        workflow.resolve(Report.objects.get(pk=fire_lane.pk), department=lead, reply="已处理完毕")


def test_a_third_department_cannot_comment_or_add_evidence(lead, helper):
    report = routed(lead)
    for write in (
        lambda: services.report_comment(report=report, department=helper, text="看看"),
        lambda: services.report_evidence_add(
            report=report, department=helper, photo=photo_upload()
        ),
    ):
        with pytest.raises(workflow.IllegalTransition) as error:
            write()
        assert error.value.code == "not_your_report"
    assert not EvidencePhoto.objects.exists()


def test_lead_only_actions_are_refused_to_the_assistant(lead, helper, staff):
    report = routed(lead)
    services.assist_add(report=report, department=helper, by=staff)
    for step in (
        lambda: workflow.acknowledge(report, department=helper),
        lambda: workflow.resolve(report, department=helper, reply="已处理完毕"),
        lambda: workflow.reject(report, department=helper, reason="不归我们"),
        lambda: workflow.ask(report, department=helper, question="哪个门？"),
    ):
        with pytest.raises(workflow.IllegalTransition):
            step()
    with pytest.raises(workflow.IllegalTransition) as error:
        services.transfer_request(
            report=report, department=helper, to_department=DepartmentFactory(), reason="x"
        )
    assert error.value.code == "not_lead"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ROUTED


def test_the_assisting_departments_webhook_only_is_told(lead, helper, staff):
    hooks = {
        label: Webhook.objects.create(
            label=label, url="https://example.test/hook", department=d, events=[Event.ASSISTING]
        )
        for label, d in (("lead", lead), ("helper", helper), ("platform", None))
    }
    hooks["helper-routed"] = Webhook.objects.create(
        label="helper-routed", url="https://example.test/h", department=helper, events=["x"]
    )
    report = routed(lead)
    services.assist_add(report=report, department=helper, by=staff)
    deliveries = Delivery.objects.filter(report=report, event=Event.ASSISTING)
    assert [d.webhook.label for d in deliveries] == ["helper"]
    payload = deliveries.get().payload
    assert payload["event"] == "report.assisting"
    assert payload["report"]["id"] == report.public_id
    assert payload["report"]["department"] == "licang-housing"
    assert str(report.rider.phone) not in str(payload)
    # Other events still go to the lead's and the platform's receivers as before.
    for hook in hooks.values():
        hook.events = [Event.ROUTED]
        hook.save()
    workflow.route(Report.objects.get(pk=report.pk), department=lead)
    routed_to = Delivery.objects.filter(report=report, event=Event.ROUTED)
    assert sorted(d.webhook.label for d in routed_to) == ["lead", "platform"]
