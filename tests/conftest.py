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

pytest_plugins = [
    "tests.staff_otp",  # force_login of staff also passes the TOTP step
    "tests.oidc_provider.fixtures",  # a real OpenID provider for the platform sign-in
]

# Playwright runs an event loop in the test thread; Django's ORM calls from the same thread are
# still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


# --- Runs side by side: pytest-xdist workers, or two people's runs on one machine -------------
def xdist_worker_index() -> int:
    """N on pytest-xdist's worker gwN, 0 without xdist."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


@pytest.hookimpl(trylast=True)
def pytest_configure(config) -> None:
    _own_sqlite_file(config)
    _own_redis_database()
    _fast_password_hashing()
    _postgres_flush_by_delete()


def _postgres_flush_by_delete() -> None:
    """Transactional tests (live server, real worker, races) end with a flush of every table.
    On PostgreSQL Django's one TRUNCATE of ~80 tables costs 1 s (4 s with the cores busy): new
    files for every table and index. DELETE of the few rows a test left takes 50 ms. The
    flush runs in one transaction; `session_replication_role = replica` skips the row
    triggers there (foreign keys, the append-only ledger's), as TRUNCATE did. Only for a
    superuser (CI's and the local `postgres`), else Django's TRUNCATE as before."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade or not _superuser(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = [f"DELETE FROM {self.quote_name(t)};" for t in tables]  # noqa: S608 (our tables)
        # Back to the default at the end, for a flush inside a longer transaction.
        return [
            "SET LOCAL session_replication_role = replica;",
            *deletes,
            "SET LOCAL session_replication_role = DEFAULT;",
        ]

    DatabaseOperations.sql_flush = sql_flush


def _superuser(connection) -> bool:
    if not hasattr(connection, "_tests_superuser"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            connection._tests_superuser = cursor.fetchone()[0]
    return connection._tests_superuser


def _fast_password_hashing() -> None:
    """One PBKDF2 hash costs ¼ s of CPU (a million rounds, on purpose); the suite hashes staff
    passwords hundreds of times (sign-in, lockout, seed_demo, admin users). What the tests prove
    does not depend on the algorithm; production keeps Django's default list."""
    from django.test.utils import override_settings

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher", *django_settings.PASSWORD_HASHERS]
    override_settings(PASSWORD_HASHERS=hashers).enable()


def pytest_unconfigure(config) -> None:
    if run_dir := config.stash.get(_SQLITE_RUN_DIR, None):
        shutil.rmtree(run_dir, ignore_errors=True)


_SQLITE_RUN_DIR = pytest.StashKey[Path]()
REDIS_URL_GIVEN = django_settings.REDIS_URL  # before a worker moves to its own database


def _own_sqlite_file(config) -> None:
    """On SQLite every pytest process gets a test database file of its own.

    A fixed path (var/test_riders_portal.sqlite3) is deleted and re-created by whichever run
    starts next, under the feet of a run still going. pytest-django then adds `_gwN` for
    each xdist worker; the real worker processes a test starts are handed the same path.
    """
    import tempfile

    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    run_dir = Path(tempfile.mkdtemp(prefix="riders-portal-tests-"))
    config.stash[_SQLITE_RUN_DIR] = run_dir
    database.setdefault("TEST", {})["NAME"] = str(run_dir / "test_riders_portal.sqlite3")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config) -> int | None:
    """`-n auto` (make test): one worker per core, but no more than Redis databases are left
    above REDIS_URL's (16 in a default Redis)."""
    if not REDIS_URL_GIVEN:
        return None
    from urllib.parse import urlsplit

    from xdist.plugin import pytest_xdist_auto_num_workers as one_per_core

    left = 16 - int(urlsplit(REDIS_URL_GIVEN).path.strip("/") or 0)
    return max(1, min(one_per_core(config), left))


def _own_redis_database() -> None:
    """xdist worker gwN uses Redis database (REDIS_URL's + N) for cache and broker.

    Sharing one would let gw0's `cache.clear()` (FLUSHDB) wipe gw1's queued messages and
    cache mid-test. Subprocesses (Celery workers, gunicorn) inherit the URL through the
    environment; `test_parallel_runs.py` checks the wiring.
    """
    from urllib.parse import urlsplit

    from django.test.utils import override_settings

    index = xdist_worker_index()
    if not django_settings.REDIS_URL or not index:
        return
    parts = urlsplit(REDIS_URL_GIVEN)
    number = int(parts.path.strip("/") or 0) + index
    if number > 15:
        raise pytest.UsageError(
            f"REDIS_URL {django_settings.REDIS_URL}: xdist worker gw{index} would need Redis "
            f"database {number} (a default Redis has 0-15); use a lower one or fewer workers"
        )
    url = parts._replace(path=f"/{number}").geturl()
    caches = {**django_settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": url}
    # override_settings (not assignment) so the cache handler drops what it built already.
    override_settings(REDIS_URL=url, CELERY_BROKER_URL=url, CACHES=caches).enable()
    os.environ["REDIS_URL"] = url
    celery_app.conf.broker_url = url
    celery_app._pool = None  # a producer pool built for the old URL, if any


# Reference data that data migrations seed. Transactional tests (live server, real worker,
# concurrency) flush every table when they end; the next test that uses the database seeds it
# again, so test order never matters. Staff groups and their permissions need nothing here: the
# flush sends post_migrate, and core/roles.py grants them again as after a migrate.
SEEDS = [
    ("core", "0002_seed_qingdao_and_staff_groups", "seed"),
    ("core", "0006_city_tenancy", "existing_rows_in_the_one_city"),  # Qingdao's jurisdiction_id
    ("governance", "0002_seed_roles_and_categories", "seed"),
    ("governance", "0014_closed_loop_data", "forward"),
    ("governance", "0015_response_templates", "seed"),
    # The fire categories are urgent (issue 14); without it a test after a flush found them
    # normal, so priority tests depended on the order they ran in.
    ("governance", "0017_category_priorities", "forward"),
    ("apartments", "0002_seed_facilities_checklist_and_permissions", "seed"),
    ("subsidies", "0002_seed_insurance_policies_and_permissions", "seed"),
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
def _primary_reads(request, settings):
    """Every test reads the primary, but those marked `replica` (tests/core/test_replica.py):
    a test's rows are in its own transaction, which a replica never sees."""
    from core.db_router import replica_health_reset

    if not request.node.get_closest_marker("replica"):
        settings.REPLICA_READ_PATHS = []
    replica_health_reset()
    yield


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
