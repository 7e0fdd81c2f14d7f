"""Measure the portal pages' weight (HTML + CSS + JS, no images) for docs/benchmarks.md.

Runs against a throwaway SQLite database with a signed-in rider and the demo data of
tests/pages.py (the pages the test suite checks, each list filled to a full page); then the
department workbench (a head of a team of ten, a full page of the queue, a report being worked)
and the hall screen with its JSON, in the same database.

The budget counts uncompressed bytes (HTML + CSS + JS); "gzip" is the same set compressed, and
"HTML sent" the page's HTML as the server sends it to a browser that accepts gzip (the
compression middleware with its BREACH padding, core/compression.py; issue 18).

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
    from tests.pages import BUDGET_BYTES, rider_pages

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rider = RiderFactory(name="王小骑")
    paths = rider_pages(rider, full_lists=True)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(rider.user)
    anonymous.post("/sign-in/", {"phone": rider.phone})
    rows = [weigh(anonymous, "/sign-in/"), weigh(anonymous, "/sign-in/code/")]
    rows += [weigh(signed_in, path) for path in paths]
    table(rows, BUDGET_BYTES)
    print()
    table(workbench_and_hall(), BUDGET_BYTES)


def weigh(client, path: str) -> tuple:
    """The page's uncompressed weight, and its HTML as sent to a client that accepts gzip."""
    from tests.pages import page_weight

    weight = page_weight(client, path)
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200, (path, response.status_code)
    assert response.get("Content-Encoding") == "gzip", f"{path} is sent uncompressed"
    return weight, len(response.content)


def table(rows, budget: int) -> None:
    print(f"| page | HTML | CSS | JS | total | gzip | HTML sent | budget {budget // 1024} KB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row, sent in rows:
        # Ids differ from run to run: /reports/R…/, /benefits/N/, /canteens/meals/N/.
        path = re.sub(r"/reports/[^/]+/", "/reports/R…/", row.path)
        path = re.sub(r"/hall/[^/]+/", "/hall/<token>/", path)
        path = re.sub(r"/\d+/$", "/N/", path)
        ok = "ok" if row.total < budget else "OVER"
        print(
            f"| `{path}` | {row.html:,} | {row.css:,} | {row.js:,} | {row.total:,} | "
            f"{row.gzip:,} | {sent:,} | {ok} |"
        )


def workbench_and_hall() -> list:
    """The workbench as its heaviest officer sees it, and the hall screen (issue 15): a head of
    a team of ten (every row of the queue carries the team's assignment select), 60 open
    reports (a full page of 50), a report being worked (acknowledged, a question answered: every
    action form is open to the lead department), the scorecard; the hall page and its JSON with
    its lists full (ten departments in the ranking, twelve honours with their stories)."""
    import datetime as dt

    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from governance import services, workflow
    from hall.models import HallDisplay
    from hall.selectors import data_cache_key
    from rewards.models import Honour
    from tests.desk.helpers import officer, queued_many
    from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

    department = DepartmentFactory(name="李沧区李村街道办事处", name_en="Licun Street Office")
    head = officer(department, head=True, username="licun-head", first_name="刘主任")
    for n in range(9):
        officer(department, username=f"licun-officer-{n}", first_name=f"陈{n}")
    queued_many(department, 60, address="李沧区九水东路 100 号 3 单元楼道")
    report = workflow.route(ReportFactory(), department=department)
    workflow.acknowledge(report, department=department)
    services.report_ask(report=report, department=department, question="请问是几单元的楼道？")
    services.question_answer(rider=report.rider, report=report, text="3单元，东侧入口")
    for n in range(10):
        other = DepartmentFactory(name=f"青岛市第{n}管理局", name_en=f"Qingdao Bureau {n}")
        workflow.route(ReportFactory(), department=other)
    for n in range(12):
        Honour.objects.create(
            rider=RiderFactory(name=f"骑手{n}", station="李沧万达站"),
            kind="bravery",
            title="雨夜救人",
            story="雨夜在李村河边救起落水老人，送医后默默离开，三天后才被找到。" * 2,
            honoured_on=dt.date(2026, 8, 1),
            status="published",
            published_at=timezone.now(),
        )
    desk = Client()
    desk.force_login(head)
    display = HallDisplay.objects.create(label="大厅主屏", language="zh-hans")
    # The hall's figures are cached for a minute under one key per city (hall/selectors.py), in
    # Redis when REDIS_URL is set: computed from this database, not left over from another run.
    cache.delete(data_cache_key(display.city_id))
    screen = Client()
    return [
        weigh(desk, "/desk/"),
        weigh(desk, f"/desk/reports/{report.public_id}/"),
        weigh(desk, "/desk/scorecard/"),
        weigh(screen, f"/hall/{display.token}/"),
        weigh(screen, f"/hall/{display.token}/data.json"),
    ]


if __name__ == "__main__":
    main()
