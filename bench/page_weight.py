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

    from apartments.models import Facility
    from canteen.services import meal_order_place
    from core.page_weight import BUDGET_BYTES, page_weight
    from governance import workflow
    from rewards.services import benefit_redeem, report_awards_grant
    from tests.factories import (
        BenefitFactory,
        DepartmentFactory,
        ReportFactory,
        RiderFactory,
        apartment_with_beds,
        canteen_with_meal,
        give_points,
        merchant,
    )

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rider = RiderFactory(name="王小骑")
    department = DepartmentFactory()
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已处理")
    report_awards_grant(report_id=report.pk)
    for _ in range(30):
        give_points(rider, 100)  # a full page of history
    benefit = BenefitFactory(stock=10, per_rider_limit=3)
    for _ in range(9):
        BenefitFactory()
    benefit_redeem(rider=rider, benefit_id=benefit.pk)
    for n in range(5):
        apartment_with_beds(6, name=f"公寓{n}").facilities.set(Facility.objects.all()[:4])
    for n in range(3):
        canteen_meal = canteen_with_meal(name=f"食堂{n}")
    meal_order_place(rider=rider, set_meal_id=canteen_meal.pk)
    for n in range(20):
        merchant(lat=f"{36.16 + n / 2000:.6f}", open_24h=n % 2 == 0, discount_note="骑手九折")
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
        "/points/",
        "/benefits/",
        f"/benefits/{benefit.pk}/",
        "/redemptions/",
        "/honours/",
        "/apartments/",
        "/apartments/apply/",
        "/apartments/mine/",
        "/canteens/",
        "/canteens/orders/",
        "/nearby/?service=toilet&lat=36.16&lng=120.43",
        "/subsidy/",
        "/subsidy/new/",
        "/courses/",
        "/volunteering/",
    ):
        rows.append(page_weight(signed_in, path))
    print(f"| page | HTML | CSS | JS | total | gzip | budget {BUDGET_BYTES // 1024} KB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        path = row.path.replace(report.public_id, "R…").replace(f"/{benefit.pk}/", "/N/")
        ok = "ok" if row.total < BUDGET_BYTES else "OVER"
        print(
            f"| `{path}` | {row.html:,} | {row.css:,} | {row.js:,} | {row.total:,} | "
            f"{row.gzip:,} | {ok} |"
        )


if __name__ == "__main__":
    main()
