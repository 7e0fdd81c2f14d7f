"""The closed loop's webhooks (issue 14): report.reopened when the rider says "not fixed",
report.confirmed on the rider's check and on the 72 h default, report.supervision on the second
"not fixed" — each exactly once per receiver, signed like every other delivery, with the loop's
fields in the payload and no rider's identity or answer."""

import datetime as dt
import json

import pytest

from governance import services, workflow
from governance.models import FixAnswer, Report
from tests.factories import DepartmentFactory, ReportFactory, photo_upload
from tests.webhooks.receiver import Receiver
from webhooks.models import Delivery, Event, Webhook

pytestmark = pytest.mark.django_db
A = FixAnswer.Outcome
H = FixAnswer.Satisfaction
LOOP = [Event.CLOSED, Event.REOPENED, Event.CONFIRMED, Event.SUPERVISION]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def department():
    return DepartmentFactory()


@pytest.fixture
def hooks(receiver, department):
    def hook(label, department, events):
        return Webhook.objects.create(
            label=label, url=receiver.url, department=department, events=events, secret="s3cret"
        )

    return {
        "mine": hook("department", department, LOOP),
        "platform": hook("platform", None, LOOP),
        "theirs": hook("another department", DepartmentFactory(), LOOP),
    }


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def sent(receiver: Receiver, report: Report, event: str) -> list[dict]:
    """The signed, accepted POSTs of `event` about `report`, bodies parsed."""
    bodies = []
    for request in receiver.requests:
        body = json.loads(request["body"])
        if request["event"] == event and body["report"]["id"] == report.public_id:
            assert request["signed"] and 200 <= request["status"] < 300
            assert body["event"] == event and body["delivery_id"] == request["delivery_id"]
            bodies.append(body)
    return bodies


def receivers_of(report: Report, event: str) -> list[str]:
    return sorted(
        Delivery.objects.filter(report=report, event=event).values_list("webhook__label", flat=True)
    )


def check(report: Report, outcome: str, satisfaction: str, **kwargs) -> None:
    services.report_check(
        rider=report.rider, report=report, outcome=outcome, satisfaction=satisfaction, **kwargs
    )


def assert_no_rider_in(receiver: Receiver, report: Report) -> None:
    text = b"".join(r["body"] for r in receiver.requests).decode()
    rider = report.rider
    assert rider.name not in text and rider.phone not in text and rider.rider_number not in text
    assert "还堆着" not in text  # the rider's comment is read in the API, not pushed


def test_not_fixed_sends_report_reopened_once_with_the_new_deadline(
    receiver, hooks, department, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = workflow.route(ReportFactory(), department=department)
        workflow.resolve(report, department=department, reply="纸箱已清理")
    [closed, _to_platform] = sent(receiver, report, Event.CLOSED)
    assert closed["report"]["status"] == "resolved" and closed["report"]["verify_by"]
    assert closed["report"]["reopen_count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        check(report, A.NOT_FIXED, H.DISSATISFIED, comment="还堆着", photo=photo_upload())
    report = fresh(report)
    assert receivers_of(report, Event.REOPENED) == ["department", "platform"]
    [to_department, to_platform] = sent(receiver, report, Event.REOPENED)
    assert to_department["delivery_id"] != to_platform["delivery_id"]
    payload = to_department["report"]
    assert payload["status"] == "reopened" and payload["reopen_count"] == 1
    assert payload["verify_by"] is None and payload["closed_at"] is None
    assert payload["due_at"] == report.due_at.isoformat()
    assert payload["escalation_level"] == report.escalation_level >= 1
    assert_no_rider_in(receiver, report)
    assert Delivery.objects.filter(report=report).exclude(status="delivered").count() == 0


def test_the_riders_fixed_sends_report_confirmed_once(
    receiver, hooks, department, django_capture_on_commit_callbacks
):
    report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    with django_capture_on_commit_callbacks(execute=True):
        check(report, A.FIXED, H.SATISFIED)
    assert receivers_of(report, Event.CONFIRMED) == ["department", "platform"]
    bodies = sent(receiver, report, Event.CONFIRMED)
    assert len(bodies) == 2
    assert {b["report"]["status"] for b in bodies} == {"confirmed"}
    assert {b["report"]["verify_by"] for b in bodies} == {None}
    assert not sent(receiver, report, Event.REOPENED)


def test_the_72_hour_default_sends_report_confirmed_once(
    receiver, hooks, department, django_capture_on_commit_callbacks
):
    report = workflow.route(ReportFactory(), department=department)
    report = workflow.resolve(report, department=department, reply="纸箱已清理")
    later = report.verify_by + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unchecked_fixes_accept(now=later) == 1
    # The next sweeps find nothing left to accept: no second delivery.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unchecked_fixes_accept(now=later + dt.timedelta(hours=1)) == 0
    assert receivers_of(report, Event.CONFIRMED) == ["department", "platform"]
    assert [b["report"]["status"] for b in sent(receiver, report, Event.CONFIRMED)] == [
        "confirmed",
        "confirmed",
    ]
    assert fresh(report).answers.get().by_default


def test_a_second_not_fixed_sends_report_supervision(
    receiver, hooks, department, django_capture_on_commit_callbacks
):
    report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    check(report, A.NOT_FIXED, H.DISSATISFIED)
    workflow.resolve(fresh(report), department=department, reply="已再次清理")
    with django_capture_on_commit_callbacks(execute=True):
        check(fresh(report), A.NOT_FIXED, H.DISSATISFIED)
    assert receivers_of(report, Event.SUPERVISION) == ["department", "platform"]
    [body, _] = sent(receiver, report, Event.SUPERVISION)
    assert body["report"]["status"] == "supervision" and body["report"]["reopen_count"] == 2
    assert body["report"]["escalation_level"] == 2
    assert receivers_of(report, Event.REOPENED) == ["department", "platform"]  # the first only
    # The centre orders it redone: reopened again, to the same department, with a new deadline.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.redo(fresh(report), actor=None, note="限期整改")
    reopened_to = receivers_of(report, Event.REOPENED)
    assert reopened_to == ["department", "department", "platform", "platform"]
    assert sent(receiver, report, Event.REOPENED)[-1]["report"]["status"] == "reopened"


def test_a_receiver_gets_only_the_events_it_chose(receiver, department):
    Webhook.objects.create(
        label="routing only",
        url=receiver.url,
        department=department,
        events=[Event.ROUTED],
        secret="s3cret",
    )
    report = workflow.route(ReportFactory(), department=department)
    workflow.resolve(report, department=department, reply="纸箱已清理")
    check(report, A.NOT_FIXED, H.DISSATISFIED)
    assert list(Delivery.objects.values_list("event", flat=True)) == [Event.ROUTED]
