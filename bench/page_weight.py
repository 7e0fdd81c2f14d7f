"""Measure the portal pages' weight (HTML + CSS + JS, no images) for docs/benchmarks.md.

Runs against a throwaway SQLite database with a signed-in rider and the demo data of
tests/pages.py (the pages the test suite checks, each list filled to a full page).

    .venv/bin/python bench/page_weight.py
"""

import re
import tempfile
from pathlib import Path

from benchdb import django_setup


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    django_setup(
        DATABASE_URL=f"sqlite:///{tmp / 'weight.sqlite3'}",
        CELERY_TASK_ALWAYS_EAGER="1",
        MEDIA_ROOT=str(tmp / "media"),  # the demo data's photos, not into var/media
    )
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tests.factories import RiderFactory
    from tests.pages import BUDGET_BYTES, page_weight, rider_pages

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rider = RiderFactory(name="王小骑")
    paths = rider_pages(rider, full_lists=True)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(rider.user)
    anonymous.post("/sign-in/", {"phone": rider.phone})
    rows = [page_weight(anonymous, "/sign-in/"), page_weight(anonymous, "/sign-in/code/")]
    rows += [page_weight(signed_in, path) for path in paths]
    print(f"| page | HTML | CSS | JS | total | gzip | budget {BUDGET_BYTES // 1024} KB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        # Ids differ from run to run: /reports/R…/, /benefits/N/, /canteens/meals/N/.
        path = re.sub(r"/reports/[^/]+/", "/reports/R…/", row.path)
        path = re.sub(r"/\d+/$", "/N/", path)
        ok = "ok" if row.total < BUDGET_BYTES else "OVER"
        print(
            f"| `{path}` | {row.html:,} | {row.css:,} | {row.js:,} | {row.total:,} | "
            f"{row.gzip:,} | {ok} |"
        )


if __name__ == "__main__":
    main()
