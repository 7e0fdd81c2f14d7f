"""Concurrent transitions of one report: exactly one wins (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from governance import services, workflow
from governance.models import Report, ReportEvent, ReportStatus
from tests.conftest import require_service
from tests.factories import DepartmentFactory, ReportFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(count: int, action) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            result = action()
        except Exception as error:
            result = error
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


def test_many_concurrent_acknowledgements_one_wins():
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    outcomes = run_concurrently(
        12, lambda: workflow.acknowledge(Report.objects.get(pk=report.pk), department=department)
    )
    wins = [o for o in outcomes if isinstance(o, Report)]
    losses = [o for o in outcomes if isinstance(o, workflow.IllegalTransition)]
    assert len(wins) == 1 and len(losses) == 11
    assert report.events.filter(kind=ReportEvent.Kind.ACKNOWLEDGED).count() == 1


def test_resolve_and_reject_race_one_wins():
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(), department=department)
    actions = [
        lambda: workflow.resolve(report, department=department, reply="fixed"),
        lambda: workflow.reject(report, department=department, reason="not ours"),
    ] * 5
    index = iter(range(len(actions)))
    lock = threading.Lock()

    def next_action():
        with lock:
            action = actions[next(index)]
        return action()

    outcomes = run_concurrently(len(actions), next_action)
    assert len([o for o in outcomes if isinstance(o, Report)]) == 1
    report.refresh_from_db()
    assert report.status in (ReportStatus.RESOLVED, ReportStatus.REJECTED)
    assert report.events.exclude(kind=ReportEvent.Kind.ROUTED).count() == 1


def test_routing_task_run_many_times_at_once_routes_once():
    report = ReportFactory()
    outcomes = run_concurrently(8, lambda: services.report_route_automatically(report_id=report.pk))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert report.events.exclude(kind=ReportEvent.Kind.SUBMITTED).count() == 1
