"""Benchmark: send the sign-in code inline (in the rider's request) or by the worker's queue?

A local Aliyun gateway (tests/riders/sms_gateways.py: the real SDK, a real HTTP server that
checks the signature) answers after --gateway-ms, the round trip from a Qingdao server to the
gateway. Measured, PostgreSQL and Redis, DEBUG off:

(1) inline: POST /sign-in/ as shipped — code, log row, commit, SendSms in the request.
(2) queued: the same request, but the SMS is handed to the broker after commit instead
    (`send_sms` published to Redis); the request's latency only.
(3) queued, end to end: from the request to the gateway receiving the code, with a real
    worker, first idle, then behind --backlog bulk SMS (a notification batch) queued before.

    .venv/bin/python bench/sms_sign_in.py [--requests 60] [--gateway-ms 150] [--backlog 200]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchdb import ROOT, django_setup, drop_database, fresh_database

sys.path.insert(0, str(ROOT))

DB_NAME = "riders_portal_bench_sms"
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return f"p50 {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--gateway-ms", type=int, default=150)
    parser.add_argument("--backlog", type=int, default=200)
    args = parser.parse_args()
    database_url = fresh_database(DB_NAME)
    from tests.riders import sms_gateways as gw

    gateway, server = gw.start("aliyun")
    delay = args.gateway_ms / 1000
    original = gateway.next_answer

    def slow_answer():
        time.sleep(delay)  # the gateway's round trip
        return original()

    gateway.next_answer = slow_answer
    env = {
        **gw.environment_for("aliyun", gateway.url),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_TASK_DEFAULT_QUEUE": "bench-sms",
        "SIGN_IN_CODES_PER_IP_PER_HOUR": "100000",
        "SIGN_IN_CODES_PER_IP_PER_DAY": "100000",
        "SIGN_IN_CODES_PER_NETWORK_PER_HOUR": "100000",
        "SIGN_IN_CODES_PER_NETWORK_PER_DAY": "100000",
        "SMS_BUDGET_PER_HOUR": "100000",
    }
    django_setup(**env)
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from core.queue import enqueue_on_commit
    from riders import services, sms_outbox
    from riders.models import SMSLog
    from riders.tasks import send_sms
    from riders_portal.celery import app
    from tests.factories import RiderFactory

    call_command("migrate", verbosity=0)
    app.connection_for_write().default_channel.client.flushdb()
    riders = [RiderFactory() for _ in range(args.requests * 4 + 2)]
    client = Client(REMOTE_ADDR="10.1.2.3")

    def sign_in(rider) -> float:
        started = time.perf_counter()
        response = client.post("/sign-in/", {"phone": rider.phone})
        assert response.status_code == 302, response.status_code
        return (time.perf_counter() - started) * 1000

    sign_in(riders.pop())  # warm up: imports, the SDK client, connections
    inline = [sign_in(riders.pop()) for _ in range(args.requests)]
    assert SMSLog.objects.filter(status="sent").count() == args.requests + 1

    shipped = services.sms_send_now
    services.sms_send_now = lambda *, log_id, sender=None: enqueue_on_commit(send_sms, log_id)
    queued = [sign_in(riders.pop()) for _ in range(args.requests)]
    app.connection_for_write().default_channel.client.flushdb()  # no worker took these
    SMSLog.objects.filter(status="queued").delete()

    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "riders_portal",
            "worker",
            "--pool",
            "solo",
            "--queues",
            "bench-sms",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "CELERY_TASK_ALWAYS_EAGER": "0"},
        start_new_session=True,
    )
    try:
        time.sleep(5)  # the worker starts

        def code_reaches_gateway(rider) -> float:
            before = len(gateway.requests)
            started = time.perf_counter()
            sign_in(rider)
            deadline = time.monotonic() + 600
            while not any(
                r.query.get("PhoneNumbers") == rider.phone for r in gateway.requests[before:]
            ):
                assert time.monotonic() < deadline, "the code never reached the gateway"
                time.sleep(0.005)
            return (time.perf_counter() - started) * 1000

        idle = [code_reaches_gateway(riders.pop()) for _ in range(min(args.requests, 20))]
        with transaction.atomic():
            for n in range(args.backlog):
                sms_outbox.sms_queue(
                    phone=f"137{n:08d}", kind="subsidy_decision", params={"period": "2026-05"}
                )
        behind = code_reaches_gateway(riders.pop())
    finally:
        services.sms_send_now = shipped
        worker.terminate()
        worker.wait(timeout=30)
        server.shutdown()
        from django.db import connections

        connections.close_all()
        drop_database(DB_NAME)
    print(f"gateway round trip {args.gateway_ms} ms, {args.requests} sign-in requests each")
    print(f"(1) inline, request latency:             {percentiles(inline)}")
    print(f"(2) queued, request latency:             {percentiles(queued)}")
    print(f"(3) queued, code at the gateway, idle:   {percentiles(idle)}")
    print(f"    queued, behind {args.backlog} bulk SMS:        {behind:8.0f} ms")


if __name__ == "__main__":
    main()
