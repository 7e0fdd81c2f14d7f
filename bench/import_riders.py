"""Benchmark: import a 41,000-row roster (Qingdao's size) on SQLite and on PostgreSQL.

Generates the CSV under var/bench/, then runs `manage.py import_riders` on a fresh database:
the first import (all creates) and a re-run (all unchanged), median of 3 each. Target: < 30 s.

    .venv/bin/python bench/import_riders.py [--rows 41000] [--runs 3]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchdb import ROOT, SERVER, drop_database, fresh_database

OUT = ROOT / "var" / "bench"
PG_DB = "riders_portal_bench_roster"
DISTRICTS = [
    "市南区",
    "市北区",
    "李沧区",
    "崂山区",
    "城阳区",
    "黄岛区",
    "即墨区",
    "胶州市",
    "平度市",
    "莱西市",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def write_roster(path: Path, rows: int) -> None:
    rng = random.Random(41000)
    tiers = ["regular"] * 90 + ["honour"] * 8 + ["captain"] * 2
    with path.open("w", encoding="utf-8") as out:
        out.write("\ufeffrider_number,name,phone,district,station,join_date,tier\n")
        for n in range(rows):
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
            district = rng.choice(DISTRICTS)
            joined = f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            out.write(
                f"QD{n:07d},{name},13{n:09d},{district},{district[:2]}第{n % 40}站,"
                f"{joined},{rng.choice(tiers)}\n"
            )


def run(env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure(label: str, database_url: str, csv_path: Path, runs: int, reset) -> tuple:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    first, again = [], []
    for _ in range(runs):
        reset()
        run(env, "migrate", "--verbosity", "0")
        first.append(run(env, "import_riders", str(csv_path), "--no-progress"))
        again.append(run(env, "import_riders", str(csv_path), "--no-progress"))
    return label, statistics.median(first), statistics.median(again), first, again


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=41_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"roster-{args.rows}.csv"
    write_roster(csv_path, args.rows)
    sqlite_file = OUT / "roster-bench.sqlite3"

    def reset_sqlite():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)

    def reset_pg():
        fresh_database(PG_DB)

    results = [
        measure("SQLite", f"sqlite:///{sqlite_file}", csv_path, args.runs, reset_sqlite),
        measure("PostgreSQL 15", f"{SERVER}/{PG_DB}", csv_path, args.runs, reset_pg),
    ]
    drop_database(PG_DB)
    reset_sqlite()
    print(f"| database | first import ({args.rows:,} creates) | re-run (all unchanged) | runs |")
    print("| --- | --- | --- | --- |")
    for label, first, again, firsts, agains in results:
        runs = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(firsts, agains, strict=True))
        print(f"| {label} | {first:.1f} s | {again:.1f} s | {runs} |")


if __name__ == "__main__":
    main()
