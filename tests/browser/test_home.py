"""Home and Services on a 390×844 phone in a real browser (issue 17): the cards of what needs
doing now, each linking to its page, above the city figures; every service tile is a link as a
whole, with its icon; nothing overflows, every tap target is 44 px."""

from pathlib import Path

import pytest
from django.utils import timezone

from apartments.services import application_submit, bed_offer
from canteen.services import meal_order_place
from governance import workflow
from growth.services import enrolment_create
from tests.factories import (
    BenefitFactory,
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    course_with_sessions,
    give_points,
    qingdao_district,
)

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()
NO_PROBLEMS = {"small": [], "unlabelled": [], "lowContrast": []}


@pytest.fixture
def rider(transactional_db):
    rider = RiderFactory(
        name="王小骑", tier="honour", district=qingdao_district("李沧区"), station="李沧万达站"
    )
    apartment = apartment_with_beds(2, name="李沧骑手公寓")
    application_submit(rider=rider, apartments=[apartment], desired_move_in=timezone.localdate())
    bed_offer(bed=apartment.beds.first(), by=None)
    meal_order_place(rider=rider, set_meal_id=canteen_with_meal().pk)
    department = DepartmentFactory(name="李沧区城管局")
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已清理")
    give_points(rider, 30)
    BenefitFactory(name="骑手食堂午餐券", points_price=20)
    BenefitFactory(name="手机流量包", points_price=50, kind="data")
    enrolment_create(rider=rider, course_id=course_with_sessions(title="电动车安全驾驶").pk)
    return rider


def test_home_shows_what_needs_doing_first(sign_in_rider, rider, live_server, screenshot_dir):
    page = sign_in_rider(rider)
    cards = page.locator("[data-card]")
    assert [cards.nth(n).get_attribute("data-card") for n in range(cards.count())] == [
        "offer",
        "pickup",
        "points",
        "subsidy",
        "course",
    ]
    offer = page.locator('[data-card="offer"]')
    assert "李沧骑手公寓" in offer.inner_text()
    # 48 hours to answer: hours left (Django's own translated "timeuntil"), and when.
    application = rider.apartment_applications.get()
    due = timezone.localtime(application.offer_expires_at)
    countdown = offer.locator("[data-countdown]").inner_text()
    assert "小时" in countdown and f"{due:%m-%d %H:%M}" in countdown
    assert offer.get_by_role("button", name="接受床位").is_visible()
    assert page.locator('[data-card="pickup"] [data-pickup-code]').inner_text().isdigit()
    assert page.locator(".awaiting-card").is_visible()
    assert "手机流量包" in page.locator('[data-card="points"]').inner_text()
    assert "电动车安全驾驶" in page.locator('[data-card="course"]').inner_text()
    # The cards come before the city's figures.
    first_card = offer.bounding_box()
    figures = page.locator(".figures").bounding_box()
    assert first_card and figures and first_card["y"] < figures["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(CHECKS) == NO_PROBLEMS
    page.screenshot(path=str(screenshot_dir / "home.png"), full_page=True)

    # Each card's title is the way to its page.
    page.locator('[data-card="course"] .todo__link').click()
    page.wait_for_url("**/courses/mine/")
    page.go_back()
    page.locator('[data-card="offer"]').get_by_role("button", name="接受床位").click()
    page.wait_for_url("**/apartments/mine/")
    assert rider.tenancies.filter(ended_on__isnull=True).exists()
    page.goto(f"{live_server.url}/")
    assert page.locator('[data-card="offer"]').count() == 0


def test_every_service_tile_is_one_link_with_an_icon(
    sign_in_rider, rider, live_server, screenshot_dir
):
    page = sign_in_rider(rider)
    page.goto(f"{live_server.url}/services/")
    tiles = page.locator("ul.tiles > li")
    assert tiles.count() == 8
    for n in range(tiles.count()):
        item, link = tiles.nth(n), tiles.nth(n).locator("a.tile")
        box, link_box = item.bounding_box(), link.bounding_box()
        assert box and link_box and link_box == box  # the link fills the whole card
        assert link_box["height"] >= 44 and link_box["width"] >= 44
        icon = link.locator("svg.tile__icon").bounding_box()
        assert icon and icon["width"] == 32  # drawn from the sprite (static/icons/sprite.svg)
    assert page.evaluate(CHECKS) == NO_PROBLEMS
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "services.png"), full_page=True)
    # A tap on the description, far from the title, opens the service.
    page.locator('[data-service="canteen"] .tile__text > span').click()
    page.wait_for_url("**/canteens/")
