"""Benchmark: the production topology as local processes, one node against two (issue 19).

docker-compose.yml's stack without docker: the machine's PostgreSQL and its streaming replica
(bin/replica, port 5433, read by the web nodes through DATABASE_REPLICA_URL), Redis, HAProxy
with deploy/haproxy.cfg (rewritten for 127.0.0.1: no TLS, the nodes' local ports), two
gunicorn nodes (3 sync workers each, as compose), the two worker nodes (reports+urgent,
notify+default) and beat, on a fresh database seeded as bench/lunch_peak.py seeds it.

1. Web: the lunch-peak load (bench/lunch_peak's locust scenario) against ONE node directly
   and against TWO nodes behind the balancer, in interleaved rounds (one, two, one, two …) at
   each --levels multiple of the Qingdao peak: per endpoint p50/p99, errors, requests/s.
2. Sessions and media on any node: a rider signs in with a real SMS code through node 1 and is
   signed in on node 2; a photo filed through node 1 (with node 2's form) is served by node 2.
3. Workers: a burst of --burst route_report tasks on the `reports` queue drained by ONE worker
   node vs TWO (each as compose's worker-reports: 2 processes), interleaved: time to drain,
   reports/s, submit → routed p50/p99, the queue's depth every 0.25 s. The burst is all in
   the queue before the nodes (already running) resume consuming it.

    .venv/bin/python bench/scale_out.py [--levels 10,20] [--rounds 2] [--seconds 30]
        [--burst 3000]

Redis database 10 (BENCH_REDIS), ports 8795 (balancer), 8796 and 8797 (nodes).
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchdb import ROOT, SERVER, django_setup, drop_database, fresh_database, production_env

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "lunch_peak"))
import lunch_peak as peak

DB_NAME = "riders_portal_bench_scale"
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/10")
LB_PORT = 8795
NODE_PORTS = (8796, 8797)
REPLICA_PORT = 5433
BIN = Path(sys.executable).parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
QUEUES = ("celery", "reports", "notify", "urgent")


# --- The balancer ----------------------------------------------------------------------------
def haproxy_config(lb_port: int, node_ports: tuple[int, int]) -> str:
    """deploy/haproxy.cfg for local processes: the same balancing and health checks; no TLS
    (no certificate here, and the load generator speaks HTTP), no Docker DNS, local ports."""
    text = HAPROXY_CFG.read_text()
    replacements = [
        (re.compile(r"^resolvers docker\n(?:    .*\n)+\n", re.M), ""),
        (re.compile(r" resolvers docker init-addr \S+"), ""),
        (re.compile(r"^\s*bind :443 .*\n", re.M), ""),
        (re.compile(r"^\s*http-request redirect scheme https .*\n", re.M), ""),
        (re.compile(r"^(\s*)bind :80$", re.M), rf"\g<1>bind 127.0.0.1:{lb_port}"),
        (re.compile(r"server web1 web1:8000"), f"server web1 127.0.0.1:{node_ports[0]}"),
        (re.compile(r"server web2 web2:8000"), f"server web2 127.0.0.1:{node_ports[1]}"),
    ]
    for pattern, replacement in replacements:
        text, count = pattern.subn(replacement, text)
        if count != 1:  # deploy/haproxy.cfg changed: this must follow
            raise SystemExit(f"deploy/haproxy.cfg: {pattern.pattern!r} matched {count} times")
    return text


# --- The stack -------------------------------------------------------------------------------
class Stack:
    def __init__(self, env: dict, work: Path) -> None:
        self.env = env
        self.work = work
        self.log = (work / "stack.log").open("a")
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, name: str, *command: str) -> subprocess.Popen:
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def web_node(self, name: str, port: int) -> None:
        # As docker-compose.yml's web1/web2: 3 sync workers.
        self.run(
            name,
            str(BIN / "gunicorn"),
            "riders_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--log-level",
            "warning",
        )

    def worker_node(self, name: str, queues: str, concurrency: int) -> None:
        # As docker-compose.yml's worker-reports / worker-notify.
        self.run(
            name,
            str(BIN / "celery"),
            "-A",
            "riders_portal",
            "worker",
            "--loglevel",
            "WARNING",
            "--queues",
            queues,
            "--concurrency",
            str(concurrency),
            "--prefetch-multiplier",
            "1",
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
        )

    def beat(self) -> None:
        self.run(
            "beat",
            str(BIN / "celery"),
            "-A",
            "riders_portal",
            "beat",
            "--loglevel",
            "WARNING",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--schedule",
            str(self.work / "beat-schedule"),
        )

    def balancer(self) -> None:
        config = self.work / "haproxy.cfg"
        config.write_text(haproxy_config(LB_PORT, NODE_PORTS))
        subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
        self.run("lb", "haproxy", "-db", "-f", str(config))

    def stop(self, *names: str) -> None:
        for name in names or list(self.processes):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for_http(url: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while True:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > end:
            raise SystemExit(f"{url} did not answer")
        time.sleep(0.3)


def wait_for_workers(names: list[str], timeout: float = 60) -> None:
    from riders_portal.celery import app

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        replies = app.control.ping(timeout=1)
        answered = {name.split("@")[0] for reply in replies for name in reply}
        if set(names) <= answered:
            return
    raise SystemExit(f"workers {names} did not answer a ping")


# --- 1. Web: one node vs two -----------------------------------------------------------------
def web_round(
    level: int, seconds: int, fixture: Path, database_url: str, out: Path, port: int, stack: Stack
) -> dict:
    peak.PORT = port
    out.mkdir(parents=True, exist_ok=True)
    processes = [stack.processes[name] for name in ("web1", "web2")]
    result = peak.run_level(level, seconds, fixture, database_url, out, processes)
    result["web_cpu"] = sum(result["cpu"])
    return result


def _number(text: str) -> float:
    return float(text) if text not in ("", "N/A") else 0.0


def endpoint_rows(result: dict) -> dict[str, dict]:
    rows = {}
    for row in result["stats"]:
        name = row["Name"] if row["Name"].startswith("POST ") else f"{row['Type']} {row['Name']}"
        name = "**all**" if row["Name"] == "Aggregated" else f"`{name}`"
        rows[name] = {
            "requests": int(row["Request Count"]),
            "rps": float(row["Requests/s"]),
            "p50": _number(row["50%"]),
            "p99": _number(row["99%"]),
            "errors": int(row["Failure Count"]),
        }
    return rows


def print_web(level: int, seconds: int, results: dict[str, list[dict]]) -> None:
    """Per endpoint: median over the rounds of each round's p50 and p99; errors summed."""
    per = {variant: [endpoint_rows(r) for r in rounds] for variant, rounds in results.items()}
    names = sorted(
        {n for rows in per["one"] + per["two"] for n in rows}, key=lambda n: (n == "**all**", n)
    )

    def median(variant: str, name: str, key: str) -> float:
        values = [rows[name][key] for rows in per[variant] if name in rows]
        return statistics.median(values) if values else 0.0

    def total(variant: str, name: str, key: str) -> int:
        return sum(rows[name][key] for rows in per[variant] if name in rows)

    rounds = len(results["one"])
    print(
        f"\n#### {level}× the peak: {rounds} rounds of {seconds} s each, one node directly vs "
        "two behind HAProxy\n"
    )
    print(
        "| endpoint | requests (one / two) | p50 ms one | p50 ms two | p99 ms one | p99 ms two "
        "| errors (one / two) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        print(
            f"| {name} | {total('one', name, 'requests')} / {total('two', name, 'requests')} | "
            f"{median('one', name, 'p50'):.0f} | {median('two', name, 'p50'):.0f} | "
            f"{median('one', name, 'p99'):.0f} | {median('two', name, 'p99'):.0f} | "
            f"{total('one', name, 'errors')} / {total('two', name, 'errors')} |"
        )
    for variant in ("one", "two"):
        rps = [endpoint_rows(r)["**all**"]["rps"] for r in results[variant]]
        cpu = [
            r["web_cpu"] * 1000 / max(1, endpoint_rows(r)["**all**"]["requests"])
            for r in results[variant]
        ]
        busy = [r["busy"] * 50 / r["seconds"] for r in results[variant]]
        load = [r["load"][0] for r in results[variant]]
        lag = [r["lag"]["p99"] for r in results[variant]]
        print(
            f"\n{variant} node{'s' if variant == 'two' else ''}: requests/s served "
            f"{' / '.join(f'{x:.1f}' for x in rps)} (rounds); gunicorn CPU per request "
            f"{' / '.join(f'{x:.1f}' for x in cpu)} ms; machine busy "
            f"{' / '.join(f'{x:.0f}' for x in busy)} %; load average before "
            f"{' / '.join(f'{x:.1f}' for x in load)}; submit → routed p99 "
            f"{' / '.join(f'{x:.0f}' for x in lag)} ms."
        )
        for r in results[variant]:
            for failure in r["failures"]:
                print(
                    f"- FAILED {failure['Occurrences']}× {failure['Method']} {failure['Name']}: "
                    f"{failure['Error'][:200]}"
                )
    ratio = {
        key: median("two", "**all**", key) / (median("one", "**all**", key) or 1)
        for key in ("p50", "p99", "rps")
    }
    print(
        f"\nTwo nodes / one node (all requests): p50 × {ratio['p50']:.2f}, p99 × "
        f"{ratio['p99']:.2f}, requests/s × {ratio['rps']:.2f}."
    )


# --- 2. Sessions and media on any node -------------------------------------------------------
def any_node_check(fixture: dict, photo: bytes) -> list[str]:
    """Sign in through node 1, be signed in on node 2; file a photo through node 1, read it
    from node 2. Returns what failed (empty: all held)."""
    import requests

    from governance.models import ReportPhoto

    node1, node2 = (f"http://127.0.0.1:{port}" for port in NODE_PORTS)
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    failed: list[str] = []
    rider = requests.Session()
    send = rider.request

    def request(method: str, url: str, **kwargs):
        # DEBUG=0 makes the session and CSRF cookies `Secure`; TLS ends at the balancer in
        # production, here the phone speaks plain HTTP to the node (requests copies the jar
        # for each request, so a cookie policy would not hold).
        for cookie in rider.cookies:
            cookie.secure = False
        return send(method, url, timeout=30, **kwargs)

    rider.request = request  # type: ignore[method-assign]

    def token(url: str) -> str:
        response = rider.get(url, allow_redirects=False)
        found = csrf.search(response.text)
        if response.status_code != 200 or not found:
            raise SystemExit(f"{url}: {response.status_code}, no form")
        return found.group(1)

    phone = fixture["phones"][-1]
    response = rider.post(
        f"{node1}/sign-in/",
        data={"csrfmiddlewaretoken": token(f"{node1}/sign-in/"), "phone": phone},
        allow_redirects=False,
    )
    if response.status_code != 302:
        return [f"node 1 did not send a code: {response.status_code}"]
    code = ""
    for _ in range(100):  # the SMS goes out through the notify worker node
        try:
            code = (
                urllib.request.urlopen(f"{fixture['gateway']}/code?phone={phone}").read().decode()
            )
            break
        except OSError:
            time.sleep(0.1)
    response = rider.post(
        f"{node1}/sign-in/code/",
        data={"csrfmiddlewaretoken": token(f"{node1}/sign-in/code/"), "code": code},
        allow_redirects=False,
    )
    if response.status_code != 302:
        return [f"node 1 did not sign the rider in: {response.status_code}"]
    for url in (f"{node2}/", f"{node2}/me/", f"{node1}/me/"):
        page = rider.get(url, allow_redirects=False)
        if page.status_code != 200 or "<!doctype html>" not in page.text[:200].lower():
            failed.append(f"signed in through node 1, {url} answered {page.status_code}")
    # A photo: node 2's form, filed through node 1, served by node 2 (and node 1).
    response = rider.post(
        f"{node1}/report/",
        data={
            "csrfmiddlewaretoken": token(f"{node2}/report/"),
            "category": str(fixture["categories"][0]),
            "description": "楼道里堆满了纸箱，挡住了消防通道。",
            "district": str(fixture["districts"][0]),
            "address": "李沧区九水东路 100 号",
            "latitude": "36.300001",
            "longitude": "120.600001",
        },
        files={"photos": ("photo.jpg", photo, "image/jpeg")},
        headers={"X-Requested-With": "fetch"},
    )
    if response.status_code != 201:
        return [*failed, f"node 1 did not file the report: {response.status_code} {response.text}"]
    public_id = response.json()["id"]
    position = ReportPhoto.objects.get(report__public_id=public_id).position
    served = {}
    for node in (node2, node1):
        answer = rider.get(f"{node}/reports/{public_id}/photos/{position}/")
        if answer.status_code != 200 or not answer.headers["Content-Type"].startswith("image/"):
            failed.append(f"the photo filed through node 1: {node} answered {answer.status_code}")
        served[node] = answer.content
    if len(set(served.values())) != 1 or not served[node2]:
        failed.append("the two nodes served different bytes for the same photo")
    stranger = requests.get(f"{node2}/reports/{public_id}/photos/{position}/", timeout=30)
    if stranger.status_code != 404:  # still the permission check, on either node
        failed.append(f"a signed-out phone got the photo from node 2: {stranger.status_code}")
    print(
        f"any node: signed in through node 1 ({phone[-4:]}), Home and Me on node 2: 200; "
        f"report {public_id} filed through node 1 with node 2's form, its photo "
        f"({len(served[node2]):,} bytes) served by node 2 and node 1 alike, 404 signed out"
    )
    return failed


# --- 3. Workers: one node vs two -------------------------------------------------------------
def worker_round(stack: Stack, nodes: int, burst: int, round_no: int, fixture: dict) -> dict:
    import redis
    from django.db import connection

    from governance.models import Report, ReportStatus
    from governance.tasks import route_report

    names = [f"reports{n + 1}" for n in range(nodes)]
    for name in names:
        stack.worker_node(name, "reports,urgent", 2)
    wait_for_workers(names)
    rider_id = fixture["rider_of_burst"]
    longitude = peak_decimal(random.uniform(95, 115))
    reports = Report.objects.bulk_create(
        Report(
            rider_id=rider_id,
            category_id=fixture["categories"][n % len(fixture["categories"])],
            description="bench burst",
            district_id=fixture["districts"][n % len(fixture["districts"])],
            # ~200 m apart, on a longitude of this round's own: none a duplicate of another.
            latitude=peak_decimal(30 + n / 500),
            longitude=longitude,
            address="bench",
        )
        for n in range(burst)
    )
    ids = [r.pk for r in reports]
    queue = redis.Redis.from_url(REDIS_URL)
    # The whole burst waits in the queue at once, the nodes up and warm: they stop consuming
    # `reports` while it is published (a few ms a task from this one process), then resume.
    app = route_report.app
    hosts = [f"{name}@{socket.gethostname()}" for name in names]
    app.control.cancel_consumer("reports", destination=hosts, reply=True)
    publishing = time.monotonic()
    with app.producer_or_acquire() as producer:  # one connection for the burst
        for pk in ids:
            route_report.apply_async((pk,), producer=producer)
    queued = time.monotonic() - publishing
    started = time.monotonic()
    app.control.add_consumer("reports", destination=hosts, reply=True)
    depth: list[tuple[float, int]] = []
    while True:
        depth.append((time.monotonic() - started, queue.llen("reports")))
        if not Report.objects.filter(pk__in=ids, status=ReportStatus.SUBMITTED).exists():
            break
        if time.monotonic() - started > 600:
            raise SystemExit("the burst was not routed in 10 minutes")
        time.sleep(0.25)
    drained = time.monotonic() - started
    rows = list(Report.objects.filter(pk__in=ids).values_list("created_at", "routed_at"))
    lags = sorted((routed - created).total_seconds() for created, routed in rows if routed)
    routed_at = sorted(routed for _created, routed in rows if routed)
    # The nodes' own pace: first to last routing (as bench/routing.py), whatever the publishing.
    if len(routed_at) < burst * 0.9:
        raise SystemExit(f"only {len(routed_at)} of the burst's {burst} reports were routed")
    pace = (len(routed_at) - 1) / max(1e-3, (routed_at[-1] - routed_at[0]).total_seconds())
    connection.close()
    stack.stop(*names)
    return {
        "nodes": nodes,
        "queued": queued,
        "drained": drained,
        "rate": burst / drained,
        "pace": pace,
        "p50": statistics.median(lags),
        "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
        "routed": len(lags),
        "depth": depth,
        "load": os.getloadavg()[0],
    }


def peak_decimal(value: float):
    from decimal import Decimal

    return Decimal(f"{value:.6f}")


def print_workers(burst: int, results: list[dict]) -> None:
    print(f"\n#### Worker lag: a burst of {burst} route_report tasks, one worker node vs two\n")
    print(
        "| round | nodes (processes) | queued in s | drained in s | reports/s (burst / routing "
        "pace) | submit → routed p50 s | p99 s | queue depth at 1 s / 2 s / 4 s | load after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, r in enumerate(results, 1):

        def at(second: float, r=r) -> int:
            return next((d for t, d in r["depth"] if t >= second), 0)

        print(
            f"| {n} | {r['nodes']} ({2 * r['nodes']}) | {r['queued']:.1f} | {r['drained']:.1f} | "
            f"{r['rate']:.0f} / {r['pace']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{at(1)} / {at(2)} / {at(4)} | "
            f"{r['load']:.1f} |"
        )
    for nodes in (1, 2):
        rates = [r["pace"] for r in results if r["nodes"] == nodes]
        print(f"- {nodes} node(s): median routing pace {statistics.median(rates):.0f} reports/s")
    one = statistics.median(r["pace"] for r in results if r["nodes"] == 1)
    two = statistics.median(r["pace"] for r in results if r["nodes"] == 2)
    drain_one = statistics.median(r["drained"] for r in results if r["nodes"] == 1)
    drain_two = statistics.median(r["drained"] for r in results if r["nodes"] == 2)
    print(
        f"Two nodes / one: reports/s × {two / one:.2f}, "
        f"time to drain × {drain_two / drain_one:.2f}."
    )


# --- Main ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="10,20", help="multiples of the estimated peak")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds per level")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--worker-rounds", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--reuse", action="store_true", help="run on the database --keep kept")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",") if level]
    from scenario import phones_for

    users_needed = max([phones_for(level) for level in levels] or [0]) + 10
    work = Path(tempfile.gettempdir()) / DB_NAME
    reuse = args.reuse and (work / "fixture.json").exists()
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(exist_ok=True)
    subprocess.run([str(ROOT / "bin" / "replica")], check=True)
    sms_env, gateway_url = peak.sms_gateway_start()
    database_url = f"{SERVER}/{DB_NAME}" if reuse else fresh_database(DB_NAME)
    replica_url = re.sub(r":5432/", f":{REPLICA_PORT}/", database_url)
    env = production_env(
        database_url=database_url,
        redis_url=REDIS_URL,
        DATABASE_REPLICA_URL=replica_url,
        TRUSTED_PROXY_COUNT="1",  # as compose: the balancer's hop
        MEDIA_ROOT=str(work / "media"),  # one directory: compose's shared media volume
        VAR_DIR=str(work / "var"),
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
    env.pop("CELERY_TASK_DEFAULT_QUEUE", None)  # "celery": the production split of queues
    django_setup(**env)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    # lunch_peak's sampler and stack figures, pointed at this bench's database and queues.
    peak.DB_NAME, peak.REDIS_URL, peak.QUEUES = DB_NAME, REDIS_URL, QUEUES
    # BENCH_RAMP shorter only to try the script out: the phones arrive over 35 s.
    peak.RAMP_SECONDS = int(os.environ.get("BENCH_RAMP", peak.RAMP_SECONDS))
    fixture_file = work / "fixture.json"
    if not reuse:
        fixture_file.write_text(json.dumps(peak.seed(work, users_needed)))
    from riders.models import Rider

    fixture = {
        **json.loads(fixture_file.read_text()),
        "gateway": gateway_url,
        # Not the rider of phones[-1] (any_node_check signs them in and files a report).
        "rider_of_burst": Rider.objects.order_by("-pk").values_list("pk", flat=True)[1],
    }
    run_fixture = work / "run.json"
    run_fixture.write_text(json.dumps(fixture))

    stack = Stack(env, work)
    web: dict[int, dict[str, list[dict]]] = {}
    workers: list[dict] = []
    failed: list[str] = []
    try:
        stack.web_node("web1", NODE_PORTS[0])
        stack.web_node("web2", NODE_PORTS[1])
        stack.worker_node("worker-reports", "reports,urgent", 2)
        stack.worker_node("worker-notify", "notify,celery", 4)
        stack.beat()
        for port in NODE_PORTS:
            wait_for_http(f"http://127.0.0.1:{port}/healthz")
        stack.balancer()
        wait_for_http(f"http://127.0.0.1:{LB_PORT}/healthz")
        wait_for_workers(["worker-reports", "worker-notify"])
        time.sleep(3)  # HAProxy's first health checks (rise 2, inter 3 s) see both nodes up
        failed += any_node_check(fixture, Path(fixture["photo"]).read_bytes())
        for failure in failed:
            print(f"any node: FAILED: {failure}", flush=True)
        for level in levels:
            web[level] = {"one": [], "two": []}
            for round_no in range(args.rounds):
                order = [("one", NODE_PORTS[0]), ("two", LB_PORT)]
                if round_no % 2:  # ABBA: neither variant always runs second
                    order.reverse()
                for variant, port in order:
                    out = work / f"level{level}-{variant}-{round_no}"
                    print(f"level {level}×, round {round_no + 1}: {variant}", flush=True)
                    web[level][variant].append(
                        web_round(level, args.seconds, run_fixture, database_url, out, port, stack)
                    )
        # The workers' figures on their own: nothing else queues work meanwhile.
        stack.stop("worker-reports", "worker-notify", "beat")
        for round_no in range(args.worker_rounds):
            for nodes in (1, 2) if round_no % 2 == 0 else (2, 1):
                print(f"worker burst, round {round_no + 1}: {nodes} node(s)", flush=True)
                workers.append(worker_round(stack, nodes, args.burst, round_no, fixture))
    finally:
        stack.stop()
        if not args.keep and not args.reuse:
            from django.db import connection

            connection.close()
            drop_database(DB_NAME)
            fixture_file.unlink(missing_ok=True)
    print(f"work files (locust CSVs, logs, haproxy.cfg): {work}")
    for level in levels:
        print_web(level, args.seconds, web[level])
    if workers:
        print_workers(args.burst, workers)
    print("\nany node: " + ("all held" if not failed else "FAILED: " + "; ".join(failed)))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
