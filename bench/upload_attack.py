"""Benchmark: the photo-upload attack of issue #12 against a live server, /healthz measured.

gunicorn with 2 sync workers, DEBUG=0, PostgreSQL + Redis. Two attackers, one after the other:
a rider already over the hourly report limit, then a rider under it; each keeps 4 reports in
flight at once, every report carrying three 7,700 × 7,700 PNGs (~185 KB each here, ~224 KB in
the review; 59 Mpx: 178 MB of RGB once decoded). Each attacker first sends exactly the review's
burst (4 at once) alone, then bursts of 4 one after the other for `--seconds`, then a flood
(4 clients each sending again as soon as answered) for `--seconds`. Meanwhile a client polls
`/healthz` every 50 ms. A baseline `/healthz` run without any attack comes first, in the same
run.

Prints each burst request's time and answer, the sustained phases' request times, `/healthz`
p50/p95 per phase, and the peak resident memory of the gunicorn workers (VmHWM).

    .venv/bin/python bench/upload_attack.py [--seconds 10] [--baseline-seconds 10]
"""

import argparse
import http.client
import json
import os
import subprocess
import threading
import time
import uuid
import zlib
from pathlib import Path

from benchdb import (
    django_setup,
    drop_database,
    fresh_database,
    gunicorn_start,
    production_env,
)

DB_NAME = "riders_portal_bench_upload"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3")
PORT = 8766
SIDE = 7700
CONCURRENT = 4
CSRF = "benchcsrf" + "x" * 23  # 32 characters: an unmasked CSRF secret, as Django accepts


def bomb_png(side: int = SIDE) -> bytes:
    """A valid side × side RGB PNG of one colour, written row by row (never held decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])  # 8-bit RGB
    row = b"\x00" + b"\xd0\x90\x40" * side  # filter byte + pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def multipart(fields: dict, photos: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for n, photo in enumerate(photos, start=1):
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
                f'filename="bomb{n}.png"\r\nContent-Type: image/png\r\n\r\n'
            ).encode()
            + photo
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_report(session: str, body: bytes, content_type: str) -> tuple[float, int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    started = time.perf_counter()
    try:
        connection.request(
            "POST",
            "/report/",
            body=body,
            headers={
                "Content-Type": content_type,
                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
                "X-Requested-With": "fetch",
                "Host": "127.0.0.1",
            },
        )
        response = connection.getresponse()
        payload = response.read()
        status = response.status
    except OSError as error:
        return time.perf_counter() - started, 0, type(error).__name__
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    try:
        errors = json.loads(payload).get("errors", {})
        answer = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())[:90]
    except ValueError:
        answer = payload[:60].decode(errors="replace")
    return elapsed, status, answer


class HealthProbe(threading.Thread):
    """Polls /healthz every 50 ms until stopped; keeps each latency in ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.latencies: list[float] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                ok = connection.getresponse().status == 200
                connection.close()
            except OSError:
                ok = False
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.failures += not ok
            self.stop.wait(0.05)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def worker_peak_rss_mb(master: int) -> list[float]:
    peaks = []
    for pid in subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True
    ).stdout.split():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def attack(
    session: str, body: bytes, content_type: str, *, seconds: float = 0, flood: bool = False
) -> tuple[list, HealthProbe]:
    """Bursts of CONCURRENT reports sent at once (the review's attack), one burst after the
    other for `seconds` (at least one burst); with `flood`, CONCURRENT clients that each send
    again as soon as answered, so CONCURRENT are always in flight. /healthz is probed
    meanwhile."""
    results: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def client(repeat: bool) -> None:
        while True:
            result = post_report(session, body, content_type)
            with lock:
                results.append(result)
            if not repeat or time.monotonic() >= until:
                return

    def run(repeat: bool) -> None:
        threads = [threading.Thread(target=client, args=(repeat,)) for _ in range(CONCURRENT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    probe = HealthProbe()
    probe.start()
    time.sleep(0.3)  # a few samples before the first upload lands
    if flood:
        run(repeat=True)
    else:
        run(repeat=False)
        while time.monotonic() < until:
            run(repeat=False)
    probe.stop.set()
    probe.join()
    return results, probe


def warm_up() -> None:
    """Both workers load the URLconf and open their connections before anything is timed."""
    for _ in range(50):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.2)

    def hit() -> None:
        for _ in range(10):
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="sustained attack, each")
    parser.add_argument("--baseline-seconds", type=float, default=10)
    args = parser.parse_args()
    env = production_env(database_url=fresh_database(DB_NAME), redis_url=REDIS)
    django_setup(**env)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tests.factories import ReportFactory, RiderFactory, category

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    over, under = RiderFactory(), RiderFactory()
    ReportFactory.create_batch(settings.REPORTS_PER_RIDER_PER_HOUR, rider=over)  # this hour
    sessions = {}
    for rider in (over, under):
        client = Client()
        client.force_login(rider.user)
        sessions[rider.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    fields = {
        "category": category().pk,
        "description": "楼道堆物",
        "district": under.district_id,
        "address": "九水东路 100 号",
        "latitude": "36.145100",
        "longitude": "120.432900",
    }
    connection.close()
    png = bomb_png()
    body, content_type = multipart(fields, [png, png, png])

    gunicorn = gunicorn_start(port=PORT, env=env)
    bursts, phases = [], []
    try:
        warm_up()
        baseline = HealthProbe()
        baseline.start()
        time.sleep(args.baseline_seconds)
        baseline.stop.set()
        baseline.join()
        phases.append(("no attack (baseline)", [], baseline))
        attackers = (("rider over the hourly limit", over), ("rider under the limit", under))
        for label, rider in attackers:
            # The review's attack exactly: 4 reports at once.
            bursts.append((label, *attack(sessions[rider.pk], body, content_type)))
        for mode, flood in (("bursts of 4 for", False), ("flood, 4 in flight for", True)):
            for label, rider in attackers:
                results, probe = attack(
                    sessions[rider.pk], body, content_type, seconds=args.seconds, flood=flood
                )
                phases.append((f"{label}: {mode} {args.seconds:g} s", results, probe))
        peaks = worker_peak_rss_mb(gunicorn.pid)
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        drop_database(DB_NAME)

    print(
        f"gunicorn 2 sync workers, DEBUG=0; {CONCURRENT} concurrent reports, each with "
        f"3 × {SIDE}×{SIDE} PNG of {len(png) / 1024:.0f} KB"
    )
    for label, results, probe in bursts:
        print(f"\n{label}, {CONCURRENT} at once:")
        for elapsed, status, answer in sorted(results, key=lambda r: r[0]):
            print(f"  {elapsed * 1000:8.1f} ms  HTTP {status}  {answer}")
        print(f"  /healthz meanwhile: {', '.join(f'{ms:.0f}' for ms in probe.latencies)} ms")
    print("\n| phase | attacking requests | refused | p50 ms | p95 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, results, _probe in phases[1:]:
        times = [r[0] * 1000 for r in results]
        refused = sum(1 for r in results if r[1] == 400)
        print(
            f"| {label} | {len(results)} | {refused} | {percentile(times, 0.5):.1f} | "
            f"{percentile(times, 0.95):.1f} | {max(times):.1f} |"
        )
    print("\n| phase | /healthz samples | p50 ms | p95 ms | max ms | failed |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, _results, probe in phases:
        lat = probe.latencies
        print(
            f"| {label} | {len(lat)} | {percentile(lat, 0.5):.1f} | {percentile(lat, 0.95):.1f} | "
            f"{max(lat):.1f} | {probe.failures} |"
        )
    print(f"\ngunicorn workers' peak RSS: {', '.join(f'{p:.0f} MB' for p in peaks)}")


if __name__ == "__main__":
    main()
