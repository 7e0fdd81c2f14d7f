"""Lighthouse mobile scores of the rider pages, signed in, for docs/benchmarks.md (issue 17:
performance and accessibility ≥ 0.95 on Home, report form, nearby, canteen, apartments and
points).

The portal runs as in production (gunicorn, DEBUG off, WhiteNoise's compressed static files)
on a throwaway PostgreSQL database filled with the demo data of tests/pages.py, every list
full (the heaviest the pages get, as bench/page_weight.py measures them). A rider is signed in
(a real session in the database) and Lighthouse sends that session cookie with every request
(--extra-headers). Lighthouse's defaults: mobile emulation (Moto G Power) and simulated slow
4G throttling. Chromium is Debian's (/usr/bin/chromium, or $CHROME_PATH), headless.

Needs node ≥ 18.16 and Lighthouse from bench/lighthouse/package-lock.json:

    (cd bench/lighthouse && npm ci)
    .venv/bin/python bench/lighthouse.py [--runs 1] [--page /points/ ...]

Prints, per page, the HTML bytes, the two scores (the median of --runs runs) and every audit
of the two categories that is not passed, with its id.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchdb import (
    ROOT,
    django_setup,
    drop_database,
    fresh_database,
    gunicorn_start,
    production_env,
)

DB_NAME = "riders_portal_bench_lighthouse"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3")
PORT = 8767
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
TARGET = 0.95
PAGES = [
    ("Home", "/"),
    ("report form", "/report/"),
    ("nearby", "/nearby/"),
    ("nearby, toilets", "/nearby/?service=toilet&lat=36.1451&lng=120.4329"),
    ("canteen", "/canteens/"),
    ("apartments", "/apartments/"),
    ("points", "/points/"),
]
CATEGORIES = ("performance", "accessibility")


def lighthouse(url: str, cookie: str, out: Path) -> dict:
    """One Lighthouse run of `url`; returns its JSON report."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]
    # Now and then a run loses its trace (NO_NAVSTART, a Lighthouse runtime error with a
    # headless Chromium): it exits non-zero without scores; the next run is fine.
    for attempt in range(1, 4):
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROME})
        if done.returncode == 0:
            return json.loads(out.read_text())
        print(f"note: Lighthouse failed on {url} (attempt {attempt} of 3)")
    raise SystemExit(f"Lighthouse failed three times on {url}")


def failing_audits(report: dict) -> tuple[list[str], list[str]]:
    """The audits of the two categories not passed: those that weigh in the score, as
    `id (score) title figure` with up to three of the elements at fault, and the ids of the
    weightless ones (Lighthouse's insights and diagnostics), which change no score."""
    failing, weightless = [], []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score, mode = audit.get("score"), audit.get("scoreDisplayMode")
            if mode in ("notApplicable", "manual", "informative") or score is None:
                continue
            if score >= 1 or (mode != "binary" and score >= 0.9):
                continue
            if not ref.get("weight"):
                weightless.append(ref["id"])
                continue
            shown = audit.get("displayValue") or ""
            failing.append(f"{name}: {ref['id']} ({score:.2f}) {audit['title']} {shown}".strip())
            for item in (audit.get("details") or {}).get("items", [])[:3]:
                node = item.get("node") or {}
                if node.get("snippet"):
                    why = (node.get("explanation") or "").splitlines()
                    label = (node.get("nodeLabel") or "")[:40]
                    failing.append(
                        f'    {node["snippet"][:60]} "{label}": {why[-1] if why else ""}'
                    )
    return failing, weightless


def html_bytes(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and "/sign-in/" not in response.url, (url, response.url)
        return len(response.read())


def _stub_missing_source_maps(settings, where: Path) -> None:
    """A vendored script naming a source map that was not vendored (leaflet.js on main in
    December 2026) makes the manifest storage's collectstatic fail; an empty map in an extra
    static directory, for this run only, lets the measure go on. The page loads no map."""
    import re

    for directory in settings.STATICFILES_DIRS:
        for script in Path(directory).rglob("*.js"):
            named = re.search(rb"sourceMappingURL=(\S+\.map)", script.read_bytes()[-500:])
            if named and not (script.parent / named.group(1).decode()).exists():
                stub = where / script.parent.relative_to(directory) / named.group(1).decode()
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text('{"version": 3, "sources": [], "mappings": ""}')
                print(f"note: {script.relative_to(ROOT)} names a missing {stub.name}; stubbed")
    if where.exists():
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, where]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median scores)")
    parser.add_argument("--page", action="append", help="only these paths (repeatable)")
    parser.add_argument(
        "--no-tiles",
        action="store_true",
        help="no tile server: the pages without their maps (MAP_TILE_URL empty)",
    )
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: (cd bench/lighthouse && npm ci)")
    tmp = Path(tempfile.mkdtemp())
    # The maps as a deployment with a tile server draws them (Leaflet fetched when the box is
    # seen, GCJ-02 tiles from a local server, so the network is the emulated one alone).
    sys.path.insert(0, str(ROOT))
    from tests.tiles import TileServer

    tiles = None if args.no_tiles else TileServer()
    map_env = {"MAP_TILE_URL": tiles.url, "MAP_TILE_CRS": "gcj02"} if tiles else {}
    env = production_env(
        database_url=fresh_database(DB_NAME),
        redis_url=REDIS,
        VAR_DIR=str(tmp / "var"),
        MEDIA_ROOT=str(tmp / "media"),  # the demo data's photos, not into var/media
        CELERY_TASK_ALWAYS_EAGER="1",
        **map_env,
    )
    django_setup(**env)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tests.factories import RiderFactory
    from tests.pages import rider_pages

    call_command("migrate", verbosity=0)
    _stub_missing_source_maps(settings, tmp / "maps")
    call_command("collectstatic", "--noinput", verbosity=0)
    rider = RiderFactory(name="王小骑")
    rider_pages(rider, full_lists=True)
    client = Client()
    client.force_login(rider.user)  # a session row, as the phone-code sign-in leaves
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    connection.close()
    base = f"http://127.0.0.1:{PORT}"
    gunicorn = gunicorn_start(port=PORT, env=env)
    results = []
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        pages = [(label, path) for label, path in PAGES if not args.page or path in args.page]
        for label, path in pages:
            url = f"{base}{path}"
            size = html_bytes(url, cookie)
            reports = [lighthouse(url, cookie, tmp / f"run{n}.json") for n in range(args.runs)]
            scores = {
                name: statistics.median(r["categories"][name]["score"] for r in reports)
                for name in CATEGORIES
            }
            final = reports[0]["finalDisplayedUrl"]
            if "/sign-in/" in final:  # scores of the sign-in page would lie
                raise SystemExit(f"{path} ended on {final}: the session cookie was not taken")
            results.append((label, path, size, scores, failing_audits(reports[0])))
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        drop_database(DB_NAME)
        if tiles:
            tiles.close()
    version = reports[0]["lighthouseVersion"]
    print(f"Lighthouse {version}, mobile (default emulation and throttling), signed in, ")
    maps = f"maps on ({len(tiles.requests)} tiles served)" if tiles else "no tile server"
    print(f"demo data with full lists, gunicorn 2 workers, {maps}; target {TARGET} each")
    print("| page | HTML bytes | performance | accessibility |")
    print("| --- | --- | --- | --- |")
    for label, path, size, scores, _failing in results:
        marks = {n: "" if scores[n] >= TARGET else " (under)" for n in CATEGORIES}
        print(
            f"| {label} `{path}` | {size:,} | {scores['performance']:.2f}{marks['performance']} "
            f"| {scores['accessibility']:.2f}{marks['accessibility']} |"
        )
    print()
    for label, path, _size, _scores, (failing, weightless) in results:
        print(f"{label} `{path}`: " + ("nothing failing that counts" if not failing else ""))
        for row in failing:
            print(f"    {row}")
        if weightless:
            print(f"    not counted in the score: {', '.join(weightless)}")


if __name__ == "__main__":
    main()
