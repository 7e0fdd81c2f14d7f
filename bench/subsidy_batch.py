"""Benchmark: a month's subsidy payout for 41,000 riders (PostgreSQL).

41,000 riders (10 % honour riders, 2 % team captains), each with a claim for last month
(pension and medical) waiting for review, computed at filing as the portal does; for 1 % of
them a promotion during that month was recorded only after they filed, so approval changes
their amounts. Timed: bulk
approval (the subsidy recomputed from the tier history and the policy table), creating the
payout batch (payouts, source "subsidy"), and writing its CSV. Target: under 10 s together.

    .venv/bin/python bench/subsidy_batch.py [--riders 41000]
"""

import argparse
import csv
import datetime as dt
import io
import random
import time
from decimal import Decimal

from benchdb import django_setup, drop_database, fresh_database

DB_NAME = "riders_portal_bench_subsidy"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--riders", type=int, default=41_000)
    args = parser.parse_args()
    django_setup(DATABASE_URL=fresh_database(DB_NAME))
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from core.models import User
    from payouts import selectors as payout_selectors
    from payouts import services as payouts
    from riders.models import Rider, TierPeriod
    from subsidies import services
    from subsidies.models import Claim, ClaimLine, InsuranceType, SubsidyPolicy
    from tests.factories import qingdao_district

    call_command("migrate", verbosity=0)
    rng = random.Random(5)
    district = qingdao_district()
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    started = time.monotonic()
    users = User.objects.bulk_create(
        (User(username=f"r{n}", password="!") for n in range(args.riders)),  # noqa: S106
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
    periods, tiers, late = [], {}, []
    for rider in riders:
        roll = rng.random()
        tiers[rider.pk] = "captain" if roll < 0.02 else "honour" if roll < 0.12 else "regular"
        if tiers[rider.pk] == "regular" and rng.random() < 0.01:
            late.append(rider)  # promoted on the 20th, recorded after filing (below)
        periods.append(TierPeriod(rider=rider, tier=tiers[rider.pk], started_on=rider.joined_on))
    TierPeriod.objects.bulk_create(periods, batch_size=5000)
    pension = InsuranceType.objects.get(code="pension")
    medical = InsuranceType.objects.get(code="medical")
    policies = {p.insurance_type_id: p for p in SubsidyPolicy.objects.all()}
    rate = {"regular": Decimal("0.5"), "honour": Decimal("1"), "captain": Decimal("1")}
    from core.models import District

    city_of = dict(District.objects.values_list("pk", "city_id"))  # issue 19: claims' city
    claims = Claim.objects.bulk_create(
        (
            Claim(
                rider=rider,
                city_id=city_of[rider.district_id],
                month=month,
                tier=tiers[rider.pk],
                proof="subsidy-proofs/bench.jpg",
                total_paid=Decimal("700.00"),
                subsidy=Decimal("700.00") * rate[tiers[rider.pk]],
            )
            for rider in riders
        ),
        batch_size=5000,
    )
    lines = []
    for claim in claims:
        r = rate[claim.tier]
        lines.append(
            ClaimLine(
                claim=claim,
                insurance_type=pension,
                amount_paid=Decimal("520.00"),
                policy=policies[pension.pk],
                rate=r,
                subsidy=Decimal("520") * r,
            )
        )
        lines.append(
            ClaimLine(
                claim=claim,
                insurance_type=medical,
                amount_paid=Decimal("180.00"),
                policy=policies[medical.pk],
                rate=r,
                subsidy=Decimal("180") * r,
            )
        )
    ClaimLine.objects.bulk_create(lines, batch_size=10_000)
    promoted = month + dt.timedelta(days=19)
    TierPeriod.objects.filter(rider__in=late).update(ended_on=promoted - dt.timedelta(days=1))
    TierPeriod.objects.bulk_create(
        TierPeriod(rider=rider, tier="honour", started_on=promoted) for rider in late
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"data: {len(claims):,} claims, {len(lines):,} lines ({time.monotonic() - started:.0f} s)"
    )

    reviewer = User.objects.create(username="reviewer")
    t0 = time.perf_counter()
    approved = services.claims_approve(
        claims=Claim.objects.filter(month=month, status="submitted"), reviewer=reviewer
    )
    t1 = time.perf_counter()
    batch = payouts.batch_create(source="subsidy", month=month, by=reviewer)
    t2 = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    rows = 0
    header, lines = payout_selectors.csv_export(batch=batch)
    writer.writerow(header)
    for line in lines:
        writer.writerow(line)
        rows += 1
    t3 = time.perf_counter()
    print(
        f"approve {approved:,} claims: {t1 - t0:.2f} s; batch ¥{batch.total:,}: {t2 - t1:.2f} s; "
        f"CSV {rows:,} rows, {len(out.getvalue()) / 1e6:.1f} MB: {t3 - t2:.2f} s; "
        f"total {t3 - t0:.2f} s"
    )
    # The riders are told after the approval's commit, by tasks of 5,000 claims (no worker
    # runs here: the queued tasks are run in this process, to time the work they do).
    from subsidies import notices

    t4 = time.perf_counter()
    ids = list(Claim.objects.filter(month=month).values_list("pk", flat=True))
    told = notices.decisions_tell(claim_ids=ids)
    t5 = time.perf_counter()
    print(f"then, after the commit, the tasks tell {told:,} riders: {t5 - t4:.2f} s")
    honour = Claim.objects.filter(month=month, tier__in=["honour", "captain"]).count()
    print(
        f"check: {honour:,} claims at 100 % ({len(late)} promoted after filing), "
        f"{approved - honour:,} at 50 %"
    )
    connection.close()
    drop_database(DB_NAME)


if __name__ == "__main__":
    main()
