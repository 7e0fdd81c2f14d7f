"""Lag-tolerant reads on the PostgreSQL streaming replica (core/db_router.py, issue 19).

The rules, with the replica's health given: only marked requests, never after the request
wrote, never inside a transaction, never for sign-in, sessions or tokens. Then on two real
servers (the primary and the streaming replica `bin/replica` starts, DATABASE_REPLICA_URL):
Open311's public list is read from the replica; with the replica's replay paused beyond the
lag bound, and with the replica unreachable, the same request reads the primary, sees the
newest report and fails nothing; a path not listed always reads the primary."""

import json
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core import db_router
from core.db_router import ReplicaRouter, lag_tolerant_reads
from core.models import User
from governance import workflow
from governance.models import Report
from tests.conftest import require_service
from tests.factories import DepartmentFactory, ReportFactory

HAS_REPLICA = "replica" in settings.DATABASES
ALIASES = ["default", "replica"] if HAS_REPLICA else ["default"]


@pytest.fixture
def usable(monkeypatch):
    state = {"usable": True}
    monkeypatch.setattr(db_router, "replica_usable", lambda **kw: state["usable"])
    return state


def test_only_marked_requests_read_the_replica(usable):
    router = ReplicaRouter()
    assert router.db_for_read(Report) == "default"
    with lag_tolerant_reads():
        assert router.db_for_read(Report) == "replica"
        usable["usable"] = False  # down or behind
        assert router.db_for_read(Report) == "default"
    assert router.db_for_write(Report) == "default"


def test_after_its_own_write_a_request_reads_the_primary(usable):
    router = ReplicaRouter()
    with lag_tolerant_reads():
        assert router.db_for_read(Report) == "replica"
        router.db_for_write(Report)
        assert router.db_for_read(Report) == "default"
    with lag_tolerant_reads():  # the next request starts afresh
        assert router.db_for_read(Report) == "replica"


def test_sign_in_sessions_and_tokens_always_read_the_primary(usable):
    from django.contrib.sessions.models import Session

    from api.models import ApiToken

    router = ReplicaRouter()
    with lag_tolerant_reads():
        for model in (User, Session, ApiToken):
            assert router.db_for_read(model) == "default", model


@pytest.mark.django_db(transaction=True)  # outside a transaction, reads may go to the replica
def test_a_prepared_locking_read_goes_to_the_primary(usable, monkeypatch):
    """A statement compiled once (core/prepared.py) is routed as the ORM routes it: a locking
    read (select_for_update) to the primary, a plain one where reads go."""
    from core.prepared import PreparedModels

    locking = PreparedModels(
        lambda _shape, report_id: Report.objects.select_for_update().filter(pk=report_id),
        report_id=int,
    )
    plain = PreparedModels(
        lambda _shape, report_id: Report.objects.filter(pk=report_id), report_id=int
    )
    from django.db import transaction

    with lag_tolerant_reads():
        if HAS_REPLICA:
            assert plain._variant(None, None, {"report_id": 1})[0] == "replica"
        # Even were every read sent to the replica, the lock is the primary's.
        monkeypatch.setattr(ReplicaRouter, "db_for_read", lambda self, model, **hints: "replica")
        with transaction.atomic():  # as every lock is taken
            assert locking._variant(None, None, {"report_id": 1})[0] == "default"


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary(usable):
    # The test's own transaction is open: what it wrote is only on the primary.
    with lag_tolerant_reads():
        assert ReplicaRouter().db_for_read(Report) == "default"


def test_the_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "governance") is True
    assert router.allow_migrate("replica", "governance") is False


def _replica_sql(sql: str) -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)


def _replica_value(sql: str):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _wait_for(condition, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.05)


def _on_replica(report: Report) -> bool:
    return Report.objects.using("replica").filter(pk=report.pk).exists()


def _requests_json(client, *, count_replica: bool = True) -> tuple[list[str], int, int]:
    """Open311's list: its ids, and how many queries the primary and the replica answered
    (not counted when it is down: counting connects)."""
    replica_queries = CaptureQueriesContext(connections["replica"]) if count_replica else []
    with CaptureQueriesContext(connections["default"]) as primary:
        if count_replica:
            with replica_queries:
                response = client.get("/open311/v2/requests.json", {"page_size": 100})
        else:
            response = client.get("/open311/v2/requests.json", {"page_size": 100})
    assert response.status_code == 200
    ids = [row["service_request_id"] for row in json.loads(response.content)]
    return ids, len(primary), len(replica_queries)


@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=ALIASES)
def test_lag_tolerant_reads_on_a_real_streaming_replica(client, settings):
    require_service(HAS_REPLICA, "a PostgreSQL streaming replica (DATABASE_REPLICA_URL)")
    settings.REPLICA_MAX_LAG_SECONDS = 1.0
    settings.REPLICA_CHECK_SECONDS = 0  # ask the replica on every request, for the test
    department = DepartmentFactory()
    first = workflow.route(ReportFactory(), department=department)
    _wait_for(lambda: _on_replica(first), "the replica replays the first report")
    # Other databases on the same server write too: the primary's position moves on, and the
    # replica is judged against the positions seen at earlier checks.
    _wait_for(lambda: db_router.replica_usable() or time.sleep(0.1), "the replica is usable")

    # Caught up: the public list is read from the replica.
    ids, _primary, replica = _requests_json(client)
    assert first.public_id in ids and replica > 0
    assert db_router._health.lag <= settings.REPLICA_MAX_LAG_SECONDS

    # A path not listed reads the primary only.
    settings.REPLICA_READ_PATHS = ["/open311/v2/services"]
    _ids, primary, replica = _requests_json(client)
    assert replica == 0 and primary > 0
    settings.REPLICA_READ_PATHS = ["/open311/v2/requests"]

    # Behind: replay paused, a new report on the primary, older than the bound.
    _replica_sql("SELECT pg_wal_replay_pause()")
    # The pause is asked for; replay stops at its next record (PostgreSQL 14+ tells when).
    _wait_for(lambda: _replica_value("SELECT pg_get_wal_replay_pause_state()") == "paused", "pause")
    try:
        second = workflow.route(ReportFactory(), department=department)
        time.sleep(1.5)
        assert not _on_replica(second)
        ids, primary, _replica = _requests_json(client)
        assert second.public_id in ids  # the primary answered: nothing stale shown
        assert db_router._health.lag > settings.REPLICA_MAX_LAG_SECONDS
        assert not db_router._health.usable
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")
    _wait_for(lambda: _on_replica(second), "the replica catches up")
    _wait_for(lambda: db_router.replica_usable() or time.sleep(0.1), "the replica is usable")
    ids, _primary, replica = _requests_json(client)
    assert second.public_id in ids and replica > 0

    # Down: the replica refuses connections; the request still answers, from the primary.
    replica_settings = connections["replica"].settings_dict
    port = replica_settings["PORT"]
    connections["replica"].close()
    replica_settings["PORT"] = "1"  # nothing listens there
    try:
        db_router.replica_health_reset()
        ids, primary, _replica = _requests_json(client, count_replica=False)
        assert second.public_id in ids and primary > 0
        assert db_router._health.lag is None and not db_router._health.usable
    finally:
        connections["replica"].close()
        replica_settings["PORT"] = port
        db_router.replica_health_reset()
