"""Test harness shared by every app: media, SMS outbox, a real Celery worker, a real browser."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from riders import sms
from riders_portal.celery import app as celery_app

pytest_plugins = ["tests.staff_otp"]  # force_login of staff also passes the TOTP step

# Playwright runs an event loop in the test thread; Django's ORM calls from the same thread are
# still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


# Reference data that data migrations seed. Transactional tests (live server, real worker,
# concurrency) flush every table when they end; the next test that uses the database seeds it
# again, so test order never matters.
SEEDS = [
    ("core", "0002_seed_qingdao_and_staff_groups", "seed"),
    ("core", "0003_audit_log_permissions", "grant"),
    ("governance", "0002_seed_roles_and_categories", "seed"),
    ("governance", "0004_dispatcher_permissions", "grant"),
    ("rewards", "0002_ledger_append_only_and_permissions", "grant"),
    ("apartments", "0002_seed_facilities_checklist_and_permissions", "seed_all"),
    ("canteen", "0002_canteen_operator_permissions", "grant"),
    ("merchants", "0002_centre_admin_permissions", "grant"),
    ("subsidies", "0002_seed_insurance_policies_and_permissions", "seed_all"),
    ("growth", "0002_permissions", "grant"),
    ("volunteering", "0002_permissions", "grant"),
]
DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    if request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames):
        import importlib

        from django.apps import apps

        from core.models import District

        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            if not District.objects.exists():
                for app, migration, function in SEEDS:
                    module = importlib.import_module(f"{app}.migrations.{migration}")
                    getattr(module, function)(apps, None)
    yield


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing, or fail under REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    if django_settings.REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Sign-in codes go to riders.sms.outbox instead of the log."""
    settings.SMS_SENDER = "riders.sms.LocmemSMSSender"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site language, whatever the previous one activated."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    from governance.services import routing_rules_forget
    from webhooks.services import webhooks_forget

    # Per-process caches of rows the last test's transaction rolled back.
    for forget in (cache.clear, routing_rules_forget, webhooks_forget):
        forget()
    yield
    for forget in (cache.clear, routing_rules_forget, webhooks_forget):
        forget()


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    """Tasks run inline unless a test asks for the real worker (fixture `celery_worker`)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


def _database_url_for_worker(settings_dict: dict) -> str:
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class CeleryWorker:
    """One real `celery worker` process (the leader of its own process group, so `kill()` takes
    its pool children and embedded beat too). A thread drains its log, so a chatty worker never
    blocks on a full pipe."""

    def __init__(self, *, args: list[str], env: dict) -> None:
        import collections
        import threading

        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.log: collections.deque[str] = collections.deque(maxlen=2000)
        self._ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 60
        while not self._ready.wait(0.1):
            if self.process.poll() is not None:
                pytest.fail("Celery worker exited:\n" + self.output())
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail("Celery worker did not start in 60 s:\n" + self.output())

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.log.append(line)
            if " ready." in line:
                self._ready.set()

    def output(self) -> str:
        return "".join(self.log)

    def wait_until(self, condition, timeout: float = 30.0, what: str = "condition") -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"Timed out waiting for {what}; worker log:\n{self.output()}")

    def kill(self) -> None:
        """`kill -9` the whole process group: no shutdown, no acks, tasks cut mid-way."""
        import contextlib
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        import contextlib

        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill()  # whatever is left of the group (pool children, beat) must not outlive it


@pytest.fixture
def celery_worker_factory(transactional_db, tmp_path):
    """Start real `celery worker` processes on Redis, sharing the test database.

    They consume a queue unique to this test, so a stray worker elsewhere cannot take the
    tasks; a worker started after another was killed takes over the same queue.
    `celery_worker_factory(pool="prefork", concurrency=2, beat=True, env={...})` returns a
    `CeleryWorker` (`wait_until`, `kill`, `stop`); `beat=True` runs the beat schedule of
    settings inside the worker (a file scheduler in tmp_path, not the database one).
    """
    from django.db import connection

    require_service(bool(django_settings.REDIS_URL), "Redis (REDIS_URL)")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    workers: list[CeleryWorker] = []

    def start(
        *, pool: str = "solo", concurrency: int = 1, beat: bool = False, env: dict | None = None
    ) -> CeleryWorker:
        args = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "riders_portal",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--queues",
            queue,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"{queue}-{len(workers)}@%h",
        ]
        if beat:
            args += [
                "--beat",
                "--scheduler",
                "celery.beat:PersistentScheduler",
                "--schedule-filename",
                str(tmp_path / f"beat-{len(workers)}"),
            ]
        worker_env = {
            **os.environ,
            "DATABASE_URL": _database_url_for_worker(connection.settings_dict),
            "REDIS_URL": django_settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            # Tasks the worker itself queues (a sweep re-queuing routing) stay on the test queue.
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DB_CONN_MAX_AGE": "0",
            **(env or {}),
        }
        worker = CeleryWorker(args=args, env=worker_env)
        workers.append(worker)
        return worker

    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.task_default_queue = previous_queue
        for worker in workers:
            worker.stop()


@pytest.fixture
def celery_worker(celery_worker_factory):
    """One real worker (solo pool). Yields a function that waits until a condition holds (the
    worker is asynchronous)."""
    return celery_worker_factory().wait_until


# --- Playwright on Debian's chromium ------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args():
    require_service(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    return {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def screenshot_dir() -> Path:
    """Where browser tests save screenshots: var/screenshots, or $SCREENSHOT_DIR."""
    path = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "var" / "screenshots")
    if not path.is_absolute():
        path = ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def sign_in_rider(transactional_db, page, live_server, sms_outbox):
    """Sign a rider in through the real pages in the browser; returns the page on Home."""

    def _sign_in(rider):
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("手机号码").fill(rider.phone)
        page.get_by_role("button", name="发送验证码").click()
        page.wait_for_url("**/sign-in/code/")
        code = _code_from(sms_outbox[-1].text)
        page.get_by_label("6位验证码").fill(code)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _sign_in


def _code_from(text: str) -> str:
    import re

    return re.search(r"\b(\d{6})\b", text).group(1)


def gettext_available() -> bool:
    return shutil.which("msgfmt") is not None and shutil.which("xgettext") is not None
