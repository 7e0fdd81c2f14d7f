"""Real services a drill can break: its own Redis, a kill-able Celery worker, a TCP proxy.

Each drill records its figures with `drill_record(key=value)` (pytest's record_property), which
`tests/drills/reporting.py` turns into the table in docs/reliability.md.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from riders_portal.celery import app as celery_app
from tests.conftest import ROOT, _database_url_for_worker, require_service


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


def use_broker(url: str) -> None:
    """Point this process's producer at another broker URL (the worker keeps its own)."""
    celery_app.conf.broker_url = url
    # Drop the references only: kombu keeps one pool per URL.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class RedisServer:
    """A redis-server of the drill's own, on a free port, that the drill stops and starts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        """Kill it outright (SIGKILL): an outage, not a graceful shutdown. Its data is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server():
    require_service(shutil.which("redis-server") is not None, "redis-server")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Worker:
    """A real `celery worker` process group on a given broker, that a drill may kill -9."""

    def __init__(self, *, broker_url: str, pool: str = "solo", concurrency: int = 1) -> None:
        from django.db import connection

        self.queue = f"drill-{uuid.uuid4().hex[:10]}"
        self.pool, self.concurrency = pool, concurrency
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url_for_worker(connection.settings_dict),
            "REDIS_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "DB_CONN_MAX_AGE": "0",
            # The sweep the drill triggers re-queues every report still "submitted".
            "REPORT_ROUTING_SWEEP_AFTER_SECONDS": "0",
        }
        self.process: subprocess.Popen | None = None
        self.log: list[str] = []
        self.starts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "riders_portal",
                "worker",
                "--pool",
                self.pool,
                "--concurrency",
                str(self.concurrency),
                "--queues",
                self.queue,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{self.queue}-{self.starts}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: kill -9 takes the pool children too
        )
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.log.append(line)
            if " ready." in line:
                break
        if self.process.poll() is not None or not self.log or " ready." not in self.log[-1]:
            self.stop()
            pytest.fail("Celery worker did not start:\n" + "".join(self.log))
        # Keep reading its output so a chatty worker never blocks on a full pipe.
        threading.Thread(target=self._drain, args=(self.process,), daemon=True).start()

    def _drain(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.log.append(line)

    def kill9(self) -> None:
        """SIGKILL the whole process group: what a crashed container or OOM kill does."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def wait_until(self, condition, *, timeout: float = 60.0, what: str = "condition") -> float:
        """Wait for condition(); returns the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if condition():
                return time.monotonic() - started
            time.sleep(0.1)
        pytest.fail(f"Timed out waiting for {what}; worker log:\n{''.join(self.log[-200:])}")


@pytest.fixture
def drill_worker(transactional_db):
    """Start workers with drill_worker(broker_url=..., pool=..., concurrency=...)."""
    started: list[Worker] = []
    previous_queue = celery_app.conf.task_default_queue
    previous_broker = celery_app.conf.broker_url

    def start(**kwargs) -> Worker:
        worker = Worker(**kwargs)
        worker.start()
        started.append(worker)
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_default_queue = worker.queue
        use_broker(kwargs["broker_url"])
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = previous_queue
        use_broker(previous_broker)


class TcpProxy:
    """127.0.0.1:port → target, which a drill stops (connections refused) and starts again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.target = (target_host, target_port)
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Close the port and cut every open connection: the database is unreachable."""
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not, and
                # the kernel would keep accepting on the port.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def drill_record(record_property):
    """drill_record(lost=0, duplicated=0, ...): figures for docs/reliability.md."""

    def record(**figures) -> None:
        for key, value in figures.items():
            record_property(key, value)

    return record


@pytest.fixture
def redis_url_required():
    require_service(bool(django_settings.REDIS_URL), "Redis (REDIS_URL)")
    return django_settings.REDIS_URL
