"""Measure the portal pages' weight (HTML + CSS + JS, no images) for docs/benchmarks.md.

Runs against a throwaway SQLite database with a signed-in demo-like rider.

    .venv/bin/python bench/page_weight.py
"""

import tempfile
from pathlib import Path

from benchdb import django_setup


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    django_setup(DATABASE_URL=f"sqlite:///{tmp / 'weight.sqlite3'}", CELERY_TASK_ALWAYS_EAGER="1")
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from core.page_weight import BUDGET_BYTES, page_weight
    from governance import workflow
    from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rider = RiderFactory(name="王小骑")
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已处理")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(rider.user)
    anonymous.post("/sign-in/", {"phone": rider.phone})
    rows = [page_weight(anonymous, "/sign-in/"), page_weight(anonymous, "/sign-in/code/")]
    for path in (
        "/",
        "/services/",
        "/report/",
        "/reports/",
        f"/reports/{report.public_id}/",
        "/me/",
    ):
        rows.append(page_weight(signed_in, path))
    print(f"| page | HTML | CSS | JS | total | gzip | budget {BUDGET_BYTES // 1024} KB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        path = row.path.replace(report.public_id, "R…")
        ok = "ok" if row.total < BUDGET_BYTES else "OVER"
        print(
            f"| `{path}` | {row.html:,} | {row.css:,} | {row.js:,} | {row.total:,} | "
            f"{row.gzip:,} | {ok} |"
        )


if __name__ == "__main__":
    main()
