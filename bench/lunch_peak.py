"""Benchmark: a lunch hour in Qingdao against the whole stack (issue 18).

The compose stack's processes, started here as local processes on a fresh PostgreSQL database
(`riders_portal_bench_peak`) and a Redis database of their own: gunicorn (3 sync workers, as
docker-compose.yml), the Celery worker (concurrency 2) and the urgent-queue worker, beat on the
database scheduler, `DEBUG=0`. The SMS gateway is the local Aliyun stand-in of the tests
(tests/riders/sms_gateways.py: the real SDK, a real HTTP server checking the signature), which
also tells the load generator the code it sent, as a rider's phone would.

Seeded: the demo, the 41,000-rider roster (riders/roster.py, as the city imports it), 20,000
earlier reports over the demo's departments, 20 canteens open all day. Most riders arrive
signed in (a session made here, as a phone that signed in last week keeps it); a share signs in
with a real code. Then locust (bench/lunch_peak/locustfile.py) at the estimated peak and at 10×
(docs/benchmarks.md, "Lunch peak, whole stack"), each level for --seconds, while a sampler
reads pg_stat_activity and the Celery queues' lengths every second. Afterwards, from the
database: every report filed in the run, submit → routed by the worker.

    .venv/bin/python bench/lunch_peak.py [--levels 1,10] [--seconds 75]
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

from benchdb import (
    ROOT,
    SERVER,
    django_setup,
    drop_database,
    fresh_database,
    production_env,
)

sys.path.insert(0, str(ROOT))

DB_NAME = "riders_portal_bench_peak"
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
PORT = int(os.environ.get("BENCH_PORT", "8790"))
RIDERS = int(os.environ.get("BENCH_RIDERS", "41000"))  # fewer only to try the script out
REPORTS = 20_000
CANTEENS = 20
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "lunch_peak" / "locustfile.py"
# Until every simulated phone has arrived (the longest pacing period, 30 s, and the spawn).
RAMP_SECONDS = 35
QUEUES = ("celery", "urgent")


# --- The SMS gateway: the tests' Aliyun stand-in, plus "what code did this phone get" --------
def sms_gateway_start() -> tuple[dict[str, str], object]:
    from http.server import ThreadingHTTPServer

    from tests.riders import sms_gateways as gw

    gateway = gw.Gateway()
    base = gw._handler(
        gateway,
        gw.aliyun_signature_valid,
        lambda received: gw.aliyun_ok(),
        lambda: gw.aliyun_error("SignatureDoesNotMatch", "Specified signature is not matched", 400),
    )
    codes: dict[str, str] = {}
    lock = threading.Lock()

    class Handler(base):  # type: ignore[misc, valid-type]
        def do_POST(self) -> None:
            super().do_POST()
            received = gateway.requests[-1]
            params = {**received.query, **dict(parse_qsl(received.body.decode()))}
            code = json.loads(params.get("TemplateParam") or "{}").get("code")
            if code:
                with lock:
                    codes[params.get("PhoneNumbers", "")[-11:]] = code
                    gateway.requests.clear()  # a long run: keep only the lookup table

        def do_GET(self) -> None:
            phone = parse_qs(urlsplit(self.path).query).get("phone", [""])[0][-11:]
            with lock:
                code = codes.get(phone, "")
            data = code.encode()
            self.send_response(200 if code else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    return gw.environment_for("aliyun", url), url


# --- Seed ------------------------------------------------------------------------------------
def seed(work: Path, users_needed: int) -> dict:
    """The city, and what the load generator needs: sessions, phones, meals, tokens, counters."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from import_riders import write_roster

    from api.services import token_issue
    from canteen.models import Canteen, SetMeal
    from core.roles import CANTEEN_OPERATOR
    from core.staff_auth import mark_verified
    from governance.models import Category, Department, District, Report
    from riders.models import Rider
    from tests.factories import jpeg_bytes
    from tests.staff_otp import staff_device

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    roster = work / "roster.csv"
    write_roster(roster, RIDERS)
    call_command("import_riders", str(roster), "--no-progress", stdout=open(os.devnull, "w"))  # noqa: SIM115
    riders = list(Rider.objects.filter(is_active=True).order_by("pk").values_list("pk", "phone"))
    print(f"seeded the demo and {len(riders):,} riders in {time.monotonic() - started:.0f} s")

    # Canteens: the demo's, and more like them, open all day with portions for a run at 10×.
    demo = list(Canteen.objects.order_by("pk"))
    meals = list(SetMeal.objects.filter(canteen=demo[0]))
    for n in range(CANTEENS - len(demo)):
        template = demo[n % len(demo)]
        canteen = Canteen.objects.create(
            name=f"{template.name}{n + 2}号店",
            operator=template.operator,
            district=template.district,
            address=template.address,
            latitude=template.latitude,
            longitude=template.longitude,
            opens_at=template.opens_at,
            closes_at=template.closes_at,
            counters=2,
        )
        for meal in meals:
            SetMeal.objects.create(
                canteen=canteen,
                **{
                    f.attname: getattr(meal, f.attname)
                    for f in SetMeal._meta.concrete_fields
                    if f.attname not in {"id", "canteen_id"}
                },
            )
    Canteen.objects.update(opens_at=dt.time(0, 0), closes_at=dt.time(23, 59, 59))
    SetMeal.objects.update(portions_per_day=100_000)

    # Earlier reports: the first riders' (the ones the load uses) and the departments' queues.
    departments = list(Department.objects.order_by("pk"))
    categories = list(Category.objects.filter(is_active=True).values_list("pk", flat=True))
    districts = list(District.objects.filter(city__code="qingdao").values_list("pk", flat=True))
    # Through the model (bulk): its defaults fill the columns not named here.
    now = timezone.now()
    pks = [pk for pk, _phone in riders]
    Report.objects.bulk_create(
        (
            Report(
                public_id=f"P{n:09d}",
                rider_id=pks[n % len(pks)],
                category_id=categories[n % len(categories)],
                description="楼道堆物",
                district_id=districts[n % len(districts)],
                latitude=Decimal(36) + Decimal(n % 1000) / 10000,
                longitude=Decimal(120) + Decimal(n % 997) / 10000,
                address="九水东路",
                status="routed",
                department=departments[n % len(departments)],
                routed_at=now - dt.timedelta(seconds=100 * n),
                due_at=now + dt.timedelta(hours=24) - dt.timedelta(seconds=100 * n),
            )
            for n in range(REPORTS)
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        # Filed over the past weeks, not in the hour (the rider's hourly limit counts those).
        cursor.execute(
            "UPDATE governance_report SET created_at = routed_at - interval '10 minutes' "
            "WHERE public_id LIKE 'P%%'"
        )
        cursor.execute("ANALYZE")

    # Sessions: riders who signed in on their phone earlier (a month's session), one each.
    def session_of(user) -> str:
        client = Client()
        # As riders.views._rider_session_start signs a rider in (the backend restores the user
        # with the rider and district in one query).
        client.force_login(user, backend="riders.auth.RiderSessionBackend")
        return client.cookies["sessionid"].value

    User = get_user_model()
    signed_in = riders[:users_needed]
    user_of = dict(
        Rider.objects.filter(pk__in=[pk for pk, _ in signed_in]).values_list("pk", "user_id")
    )
    users = User.objects.in_bulk(list(user_of.values()))
    sessions = [session_of(users[user_of[pk]]) for pk, _phone in signed_in]
    # Counters: an operator per canteen, past the second factor as after the morning's sign-in.
    operator = Group.objects.get(name=CANTEEN_OPERATOR)
    counters = []
    for canteen in Canteen.objects.order_by("pk"):
        user = User.objects.create(username=f"counter-{canteen.pk}", is_staff=True)
        user.groups.add(operator)
        canteen.staff.add(user)
        client = Client()
        client.force_login(user)  # a staff sign-in: the password backend
        session = client.session
        mark_verified(session, staff_device(user))
        session.save()
        counters.append({"canteen": canteen.pk, "session": client.cookies["sessionid"].value})
    tokens = []
    for n in range(200):
        _token, key = token_issue(label=f"bench-{n}", department=departments[n % len(departments)])
        tokens.append(key)
    photo = work / "photo.jpg"
    photo.write_bytes(jpeg_bytes(size=(1280, 960)))
    return {
        "sessions": sessions,
        # Riders who sign in with a code during the run: never the ones above.
        "phones": [phone for _pk, phone in riders[users_needed:]],
        "meals": list(SetMeal.objects.values_list("pk", flat=True)),
        "canteen_of_meal": dict(SetMeal.objects.values_list("pk", "canteen_id")),
        "counters": counters,
        "tokens": tokens,
        "categories": categories,
        "districts": districts,
        "photo": str(photo),
    }


# --- The stack -------------------------------------------------------------------------------
def start_stack(env: dict, log: Path) -> list[subprocess.Popen]:
    def run(*command: str) -> subprocess.Popen:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT
        )

    celery = str(BIN / "celery")
    return [
        run(
            str(BIN / "gunicorn"),
            "riders_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            # 3, as docker-compose.yml; BENCH_WEB_WORKERS to try another count.
            os.environ.get("BENCH_WEB_WORKERS", "3"),
            "--log-level",
            "warning",
        ),
        run(
            celery,
            "-A",
            "riders_portal",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
        ),
        run(
            celery,
            "-A",
            "riders_portal",
            "worker",
            "--loglevel",
            "WARNING",
            "--queues",
            "urgent",
            "--concurrency",
            "1",
            "--prefetch-multiplier",
            "1",
            "--hostname",
            "urgent@%h",
            "--without-gossip",
            "--without-mingle",
        ),
        run(
            celery,
            "-A",
            "riders_portal",
            "beat",
            "--loglevel",
            "WARNING",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--schedule",
            str(log.parent / "beat-schedule"),
        ),
    ]


class Sampler(threading.Thread):
    """Every second: connections to the bench database (all, and those running a query) and
    the Celery queues' lengths in Redis."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        import psycopg2
        import redis

        self.db = psycopg2.connect(database_url)
        self.db.autocommit = True
        self.redis = redis.Redis.from_url(REDIS_URL)
        self.samples: list[tuple[int, int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1):
            with self.db.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), count(*) FILTER (WHERE state = 'active') "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [DB_NAME],
                )
                total, active = cursor.fetchone()
            queued = sum(self.redis.llen(queue) for queue in QUEUES)
            self.samples.append((total, active, queued))


def routing_lag(since) -> dict:
    """Reports filed since `since`: submit → routed (the worker's `report_route_automatically`)."""
    from governance.models import Report

    rows = list(Report.objects.filter(created_at__gte=since).values_list("created_at", "routed_at"))
    lags = sorted((routed - created).total_seconds() * 1000 for created, routed in rows if routed)
    return {
        "filed": len(rows),
        "routed": len(lags),
        "p50": statistics.median(lags) if lags else 0.0,
        "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else 0.0,
        "max": lags[-1] if lags else 0.0,
    }


def cpu_seconds(process: subprocess.Popen) -> float:
    """User + system CPU of a process and its children (gunicorn's or Celery's workers)."""
    import psutil

    try:
        parent = psutil.Process(process.pid)
        total = 0.0
        for each in [parent, *parent.children(recursive=True)]:
            times = each.cpu_times()
            total += times.user + times.system
        return total
    except psutil.NoSuchProcess:
        return 0.0


def named_cpu_seconds(*names: str) -> float:
    """User + system CPU of every process on the machine with one of these names (PostgreSQL's
    backends, Redis), with what their exited children spent (a backend whose connection
    closed during the run counts in its postmaster's children)."""
    import psutil

    total = 0.0
    for each in psutil.process_iter(["name", "cpu_times", "ppid"]):
        times = each.info["cpu_times"]
        if each.info["name"] not in names or times is None:
            continue
        total += times.user + times.system
        try:
            parent = psutil.Process(each.info["ppid"]).name()
        except psutil.Error:
            parent = ""
        if parent not in names:  # the server's main process: its children are the others
            total += times.children_user + times.children_system
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent (all cores, everything but idle and I/O wait)."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def run_level(
    level: int, seconds: int, fixture: Path, database_url: str, out: Path, stack: list
) -> dict:
    from django.db import connection
    from django.utils import timezone
    from scenario import users_for

    connection.close()
    prefix = out / f"level{level}"
    users = sum(users_for(level).values())
    env = {
        **os.environ,
        "LUNCH_LEVEL": str(level),
        "LUNCH_FIXTURE": str(fixture),
        "LUNCH_RAMP": str(RAMP_SECONDS),
    }
    locust = subprocess.Popen(
        [
            str(BIN / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(10, users // 5)),
            "--run-time",
            f"{RAMP_SECONDS + seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ],
        cwd=ROOT,
        env=env,
        stdout=(out / f"level{level}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    # Every simulated phone arrives at a random point of its period (locustfile.py): measured
    # from when all are in step, as locust's own figures are (it resets them then).
    time.sleep(RAMP_SECONDS)
    since = timezone.now()
    load_before = os.getloadavg()[0]
    cpu_before = [cpu_seconds(process) for process in stack]
    servers_before = (named_cpu_seconds("postgres"), named_cpu_seconds("redis-server"))
    busy_before = machine_busy_seconds()
    load_generator_before = cpu_seconds(locust)
    sampler = Sampler(database_url)
    sampler.start()
    load_generator = 0.0
    while locust.poll() is None:  # its CPU is read while it runs: a finished process has none
        load_generator = (cpu_seconds(locust) - load_generator_before) or load_generator
        time.sleep(0.5)
    cpu = [
        after - before for before, after in zip(cpu_before, map(cpu_seconds, stack), strict=True)
    ]
    servers = (
        named_cpu_seconds("postgres") - servers_before[0],
        named_cpu_seconds("redis-server") - servers_before[1],
    )
    busy = machine_busy_seconds() - busy_before
    time.sleep(5)  # the worker finishes routing what was filed at the end
    sampler.stop.set()
    sampler.join()
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = list(csv.DictReader(handle))
    failures = []
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    return {
        "load": (load_before, os.getloadavg()[0]),
        "cpu": cpu,
        "load_generator": load_generator,
        "servers": servers,
        "busy": busy,
        "seconds": seconds,
        "stats": stats,
        "failures": failures,
        "samples": sampler.samples,
        "lag": routing_lag(since),
    }


def print_level(level: int, seconds: int, result: dict) -> None:
    samples = result["samples"] or [(0, 0, 0)]
    lag = result["lag"]
    total = next(row for row in result["stats"] if row["Name"] == "Aggregated")
    print(
        f"\n### {'Peak' if level == 1 else f'{level}× the peak'}: "
        f"{float(total['Requests/s']):.1f} requests/s, {seconds} s\n"
    )
    print("| endpoint | requests | req/s | p50 ms | p99 ms | max ms | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in result["stats"]:
        name = row["Name"] if row["Name"].startswith("POST ") else f"{row['Type']} {row['Name']}"
        name = "**all**" if row["Name"] == "Aggregated" else f"`{name}`"
        print(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.2f} | "
            f"{row['50%']} | {row['99%']} | {float(row['Max Response Time']):.0f} | "
            f"{row['Failure Count']} |"
        )
    print(
        f"\nReports filed {lag['filed']}, routed by the worker {lag['routed']}: submit → routed "
        f"p50 {lag['p50']:.0f} ms, p99 {lag['p99']:.0f} ms, max {lag['max']:.0f} ms. "
        f"Celery queues (sampled each second): max {max(s[2] for s in samples)} waiting, "
        f"median {statistics.median(s[2] for s in samples):.0f}. "
        f"Database connections: max {max(s[0] for s in samples)} open "
        f"(median {statistics.median(s[0] for s in samples):.0f}), "
        f"max {max(s[1] for s in samples)} running a query. Load average (1 min, 2 cores) "
        f"{result['load'][0]:.1f} before, {result['load'][1]:.1f} after."
    )
    requests = int(total["Request Count"]) or 1
    web, worker, urgent, beat = result["cpu"]
    print(
        f"CPU used during the run: gunicorn {web:.1f} s ({web * 1000 / requests:.0f} ms per "
        f"request, so {2 * requests / web if web else 0:.0f} requests/s on 2 idle cores), "
        f"Celery workers {worker + urgent:.1f} s, beat {beat:.1f} s, PostgreSQL "
        f"{result['servers'][0]:.1f} s, Redis {result['servers'][1]:.1f} s, the load generator "
        f"(locust) {result['load_generator']:.1f} s; the machine was busy "
        f"{result['busy']:.1f} s of the {2 * result['seconds']} s its 2 cores had "
        f"({result['busy'] * 50 / result['seconds']:.0f} %)."
    )
    for failure in result["failures"]:
        print(
            f"- FAILED {failure['Occurrences']}× {failure['Method']} {failure['Name']}: "
            f"{failure['Error'][:200]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="1,10", help="multiples of the estimated peak")
    parser.add_argument("--seconds", type=int, default=75)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--reuse", action="store_true", help="run on the database --keep kept")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    sys.path.insert(0, str(ROOT / "bench" / "lunch_peak"))
    from scenario import phones_for, users_for

    users_needed = max(phones_for(level) for level in levels) + 10
    work = Path(tempfile.gettempdir()) / DB_NAME  # media, locust CSVs, logs
    reuse = args.reuse and (work / "fixture.json").exists()
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(exist_ok=True)
    sms_env, gateway_url = sms_gateway_start()
    database_url = f"{SERVER}/{DB_NAME}" if reuse else fresh_database(DB_NAME)
    env = production_env(
        database_url=database_url,
        redis_url=REDIS_URL,
        MEDIA_ROOT=str(work / "media"),
        VAR_DIR=str(work / "var"),
        # Every simulated phone comes from 127.0.0.1: the per-address and per-network sign-in
        # limits would be one city's worth of riders behind one address. Per phone stays.
        SIGN_IN_CODES_PER_IP_PER_HOUR="1000000",
        SIGN_IN_CODES_PER_IP_PER_DAY="1000000",
        SIGN_IN_CODES_PER_NETWORK_PER_HOUR="1000000",
        SIGN_IN_CODES_PER_NETWORK_PER_DAY="1000000",
        SIGN_IN_GUESSES_PER_IP_PER_HOUR="1000000",
        SIGN_IN_GUESSES_PER_NETWORK_PER_HOUR="1000000",
        SMS_BUDGET_PER_HOUR="1000000",
        **sms_env,
    )
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    django_setup(**env)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    fixture = work / "fixture.json"
    if not reuse:
        fixture.write_text(json.dumps(seed(work, users_needed)))
    run_fixture = work / "run.json"
    run_fixture.write_text(json.dumps({**json.loads(fixture.read_text()), "gateway": gateway_url}))
    stack = start_stack(env, work / "stack.log")
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        time.sleep(3)  # the workers and beat connect
        results = {
            level: run_level(level, args.seconds, run_fixture, database_url, work, stack)
            for level in levels
        }
    finally:
        for process in stack:
            process.terminate()
        for process in stack:
            process.wait(30)
        if not args.keep and not args.reuse:
            from django.db import connection

            connection.close()
            drop_database(DB_NAME)
            (work / "fixture.json").unlink(missing_ok=True)
    print(f"work files (locust CSVs, logs): {work}")
    for level in levels:
        print(f"users at {level}×: {users_for(level)}")
        print_level(level, args.seconds, results[level])


if __name__ == "__main__":
    main()
