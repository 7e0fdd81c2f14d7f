"""The rider pages, written once: the demo data that gives every portal page something to show,
the list of their paths, and the page-weight measure (HTML + the CSS and JS it references, no
images; budget 60 KB uncompressed for cheap phones on a weak signal).

Used by tests/core/test_page_weight.py, tests/browser/test_accessibility.py,
tests/browser/test_csp.py and bench/page_weight.py, so a new rider page is added in one place.
This is test-side code: it drives pages through django.test.Client and the factories.
"""

import datetime as dt
import gzip
import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    ReportFactory,
    apartment_with_beds,
    canteen_with_meal,
    course_with_sessions,
    give_points,
    merchant,
    photo_upload,
)

BUDGET_BYTES = 60 * 1024
ASSET = re.compile(
    r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)"', re.IGNORECASE
)


def reopened_voucher_honour_apartment(rider, *, department):
    """What a rider's history shows beyond the first report: a second report the rider checked
    "not fixed" (the answered card and the reopened timeline), a redeemed voucher (the rider
    needs the points for it), a published honour with its photo, and an apartment with its
    photo. Returns (reopened, benefit, apartment). Shared by rider_pages and the rider walk."""
    from governance import workflow
    from governance.services import report_check
    from rewards import services as rewards
    from rewards.models import Honour

    reopened = workflow.route(ReportFactory(rider=rider, latitude=35.9), department=department)
    workflow.resolve(reopened, department=department, reply="已清理")
    report_check(rider=rider, report=reopened, outcome="not_fixed", satisfaction="dissatisfied")
    benefit = BenefitFactory(stock=5, per_rider_limit=2)
    benefit.picture.save("b.jpg", photo_upload(size=(320, 240)), save=True)
    rewards.benefit_redeem(rider=rider, benefit_id=benefit.pk)
    honour = Honour.objects.create(
        rider=rider,
        kind="bravery",
        title="雨夜救人",
        story="救起落水老人。",
        honoured_on=dt.date(2026, 8, 1),
        status="published",
        published_at=timezone.now(),
    )
    honour.photo.save("h.jpg", photo_upload(size=(320, 320)), save=True)
    apartment = apartment_with_beds(4, name="李沧骑手公寓")
    apartment.photo.save("a.jpg", photo_upload(size=(640, 360)), save=True)
    return reopened, benefit, apartment


def rider_pages(rider, *, full_lists: bool = False) -> list[str]:
    """Give `rider` something on every portal page (a resolved report with its reward and its
    "is it fixed?" card, a reopened one with the rider's answer, points, a redemption, an
    honour, an application, a subsidy claim, a course, a meal order, nearby merchants) and
    return the path of every page a signed-in rider can open.

    full_lists: also fill each list to a full page (20 reports, 30 ledger lines, 21 benefits,
    6 apartments, 4 canteens, 22 merchants), the heaviest the pages get, for the weight budget.
    """
    from apartments.models import Facility
    from apartments.services import application_submit
    from canteen.services import meal_order_place
    from governance import workflow
    from rewards import services as rewards
    from subsidies.models import InsuranceType
    from subsidies.services import claim_file

    department = DepartmentFactory()
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已处理")
    rewards.report_awards_grant(report_id=report.pk)
    give_points(rider, 100)
    reopened, benefit, apartment = reopened_voucher_honour_apartment(rider, department=department)
    apartment.facilities.set(Facility.objects.all()[:4])
    application_submit(rider=rider, apartments=[apartment], desired_move_in=timezone.localdate())
    merchant(name="近处的便利店", lat="36.161000", open_24h=True, discount_note="骑手九折")
    merchant(name="晚上开的店", lat="36.162000", hours=(("daily", "23:00", "23:30"),))
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    claim_file(
        rider=rider,
        month=last_month,
        amounts={InsuranceType.objects.get(code="pension"): Decimal("520")},
        proof=photo_upload(),
    )
    course_with_sessions()
    meal = canteen_with_meal()
    meal_order_place(rider=rider, set_meal_id=meal.pk)
    if full_lists:
        for n in range(19):
            workflow.route(ReportFactory(rider=rider, latitude=36 + n / 100), department=department)
        for _ in range(29):
            give_points(rider, 100)
        for _ in range(20):
            BenefitFactory()
        for n in range(5):
            apartment_with_beds(6, name=f"公寓{n}").facilities.set(Facility.objects.all()[:4])
        for n in range(3):
            canteen_with_meal(name=f"食堂{n}")
        for n in range(20):
            merchant(lat=f"{36.16 + n / 2000:.6f}", open_24h=n % 2 == 0, discount_note="骑手九折")
    return [
        "/",
        "/services/",
        "/report/",
        "/reports/",
        f"/reports/{report.public_id}/",
        f"/reports/{reopened.public_id}/",
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
        f"/canteens/meals/{meal.pk}/",
        "/canteens/orders/",
        "/nearby/",
        "/nearby/?service=toilet&lat=36.16&lng=120.43",
        "/subsidy/",
        "/subsidy/new/",
        "/courses/",
        "/courses/mine/",
        "/volunteering/",
    ]


@dataclass(frozen=True)
class PageWeight:
    path: str
    html: int
    css: int
    js: int
    gzip: int

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


def page_weight(client: Client, path: str) -> PageWeight:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.content
    sizes = {"css": 0, "js": 0}
    compressed = len(gzip.compress(html))
    for css_url, js_url in ASSET.findall(html.decode()):
        url = css_url or js_url
        found = finders.find(url.removeprefix("/static/").split("?")[0])
        assert found, f"{path} references {url}, which does not exist"
        with open(found, "rb") as asset:
            content = asset.read()
        sizes["css" if css_url else "js"] += len(content)
        compressed += len(gzip.compress(content))
    return PageWeight(path, len(html), sizes["css"], sizes["js"], compressed)
