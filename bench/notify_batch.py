"""Benchmark: telling 41,000 riders of a new policy in one batch (PostgreSQL + Redis).

`riders.notify.policy_announce`: every active rider gets an inbox row and a queued SMS row
(preferences read, the rider's daily cap and the hourly budget counted, the payload sealed),
and the send tasks are published to Redis on commit, 500 SMS ids per task. Timed from the call
to the commit's last publish. Target (issue 16): under 30 s.

Runs, on one fresh database of 41,000 riders (1 % of whom turned policy SMS off):
- `batch`: the design, quiet hours off and a budget that takes everyone now (the most work at
  commit: every SMS row due, every task published), median of --runs;
- `night`: the same at night (quiet hours on, 23:00): rows held for 07:00, no task published;
- `spill`: the default budget (10,000 an hour, 80 % for announcements): 8,000 now, the rest
  planned hour by hour;
- `baseline`: the same riders told one at a time with `rider_notify` (what the call sites do
  for one rider), for comparison; --baseline N riders (0: skip).

Nothing is sent: no worker consumes the bench's queue, which is purged at the end.

    .venv/bin/python bench/notify_batch.py [--riders 41000] [--runs 3] [--baseline 4100]
"""

import argparse
import datetime as dt
import os
import statistics
import time
import uuid

from benchdb import django_setup, drop_database, fresh_database, production_env

DB_NAME = "riders_portal_bench_notify"
QUEUE = f"bench-notify-{uuid.uuid4().hex[:8]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--riders", type=int, default=41_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=4_100)
    args = parser.parse_args()
    django_setup(
        **production_env(
            database_url=fresh_database(DB_NAME),
            redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
            CELERY_TASK_DEFAULT_QUEUE=QUEUE,
            SMS_SENDER="riders.sms.LocmemSMSSender",
        )
    )
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from core.models import Notification, User
    from riders import notify
    from riders.models import LimitCounter, Rider, SMSLog, SMSOptOut, TierPeriod
    from riders_portal.celery import app
    from tests.factories import qingdao_district

    call_command("migrate", verbosity=0)
    district = qingdao_district()
    users = User.objects.bulk_create(
        (
            User(username=f"r{n}", password="!", language="en" if n % 10 == 0 else "")  # noqa: S106
            for n in range(args.riders)
        ),
        batch_size=5000,
    )
    riders = Rider.objects.bulk_create(
        (
            Rider(
                user=u,
                rider_number=f"QD{n:07d}",
                name="骑手",
                phone=f"150{n:08d}",
                district=district,
                joined_on=dt.date(2023, 1, 1),
            )
            for n, u in enumerate(users)
        ),
        batch_size=5000,
    )
    TierPeriod.objects.bulk_create(
        (TierPeriod(rider=r, tier="regular", started_on=r.joined_on) for r in riders),
        batch_size=5000,
    )
    SMSOptOut.objects.bulk_create(
        (SMSOptOut(rider=r, kind="policy_notice") for r in riders[::100]), batch_size=5000
    )
    print(f"{args.riders} riders, PostgreSQL {connection.pg_version // 10000}")

    def reset() -> None:
        with connection.cursor() as cursor:
            for model in (Notification, SMSLog, LimitCounter):
                cursor.execute(f"TRUNCATE {model._meta.db_table}")
            cursor.execute("VACUUM ANALYZE")
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(QUEUE)

    def queued_tasks() -> int:
        with app.connection_for_write() as conn:
            return int(conn.default_channel.client.llen(QUEUE))

    def announce(label: str, **overrides) -> float:
        for name, value in overrides.items():
            setattr(settings, name, value)
        reset()
        started = time.perf_counter()
        told = notify.policy_announce(
            policy="骑手社保补贴新政", policy_en="Insurance subsidy rules"
        )
        elapsed = time.perf_counter() - started
        due = SMSLog.objects.filter(next_attempt_at__lte=dt.datetime.now(dt.UTC)).count()
        print(
            f"{label}: {elapsed:.2f} s — {told} told, "
            f"{Notification.objects.count()} inbox rows, {SMSLog.objects.count()} SMS rows "
            f"({due} due now), {queued_tasks()} send_sms_batch tasks queued"
        )
        return elapsed

    everyone_now = {
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
        "NOTIFY_SMS_BUDGET_PER_HOUR": args.riders * 2,
    }
    try:
        runs = [announce(f"batch run {n + 1}", **everyone_now) for n in range(args.runs)]
        print(
            f"batch median: {statistics.median(runs):.2f} s ({', '.join(f'{r:.2f}' for r in runs)})"
        )
        import time_machine

        night = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=23, minute=0)
        with time_machine.travel(night, tick=True):
            announce("night (quiet hours)", NOTIFY_QUIET_START="22:00", NOTIFY_QUIET_END="07:00")
        announce(
            "spill (default budget)",
            NOTIFY_QUIET_START="00:00",
            NOTIFY_QUIET_END="00:00",
            NOTIFY_SMS_BUDGET_PER_HOUR=10_000,
        )
        if args.baseline:
            for name, value in everyone_now.items():
                setattr(settings, name, value)
            reset()
            some = list(
                Rider.objects.filter(is_active=True)
                .select_related("user")
                .order_by("id")[: args.baseline]
            )
            sms = notify.SMSNotice("policy_notice", {"policy": "骑手社保补贴新政"})
            from core.messages import bilingual
            from riders.messages import POLICY_ANNOUNCED

            params = {"policy": bilingual(zh="骑手社保补贴新政", en="Insurance subsidy rules")}
            started = time.perf_counter()
            for rider in some:
                with transaction.atomic():
                    notify.rider_notify(
                        rider=rider, message=POLICY_ANNOUNCED, params=params, sms=sms
                    )
            elapsed = time.perf_counter() - started
            print(
                f"baseline (one at a time, {len(some)} riders): {elapsed:.2f} s — "
                f"{SMSLog.objects.count()} SMS rows, {queued_tasks()} tasks queued"
            )
    finally:
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            client.delete(QUEUE, *client.keys(f"_kombu.binding*.{QUEUE}"))
        connection.close()
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
