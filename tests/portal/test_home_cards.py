"""Home's "what needs doing now" cards (issue 17): each shown when it applies and linking to its
page, absent when it does not, only ever the rider's own; an empty state when nothing needs
doing; a constant number of queries whatever the rider's history; under the weight budget."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apartments.services import application_submit, bed_offer
from canteen.services import meal_order_place
from growth.services import enrolment_create
from rewards.services import benefit_redeem
from subsidies.models import Claim, InsuranceType
from subsidies.services import claim_file
from tests.factories import (
    BenefitFactory,
    RiderFactory,
    apartment_with_beds,
    canteen_with_meal,
    course_with_sessions,
    give_points,
    photo_upload,
)
from tests.pages import BUDGET_BYTES, page_weight

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def card(page: str, name: str) -> str:
    marker = f'data-card="{name}"'
    if marker not in page:
        return ""
    return page.split(marker)[1].split("</section>")[0]


def home(client, rider) -> str:
    client.force_login(rider.user)
    return client.get("/", **ENGLISH).content.decode()


def offered(rider):
    apartment = apartment_with_beds(2, name="李沧骑手公寓")
    application = application_submit(
        rider=rider, apartments=[apartment], desired_move_in=timezone.localdate()
    )
    bed_offer(bed=apartment.beds.first(), by=None)
    application.refresh_from_db()
    return application


def claimed_up(rider):
    """File every month the rider may claim, so no subsidy card applies."""
    from subsidies.selectors import claimable_months

    pension = InsuranceType.objects.get(code="pension")
    for month in claimable_months(rider=rider):
        claim_file(
            rider=rider, month=month, amounts={pension: Decimal("500")}, proof=photo_upload()
        )


@pytest.fixture
def idle_rider():
    """A rider with nothing to do: joined this month and claimed it already."""
    rider = RiderFactory(joined_on=timezone.localdate().replace(day=1))
    claimed_up(rider)
    return rider


def test_nothing_to_do_shows_the_empty_state_and_no_card(client, idle_rider):
    page = home(client, idle_rider)
    assert "Nothing needs doing now." in card(page, "empty")
    for name in ("offer", "pickup", "points", "subsidy", "course"):
        assert card(page, name) == "", name
    assert "Active riders" in page  # the city figures stay below


def test_a_bed_offer_with_its_countdown_and_answers(client, idle_rider):
    application = offered(idle_rider)
    shown = card(home(client, idle_rider), "offer")
    assert "A bed is offered to you" in shown and "李沧骑手公寓" in shown
    assert f'href="{reverse("apartments:mine")}"' in shown
    assert f'action="{reverse("apartments:accept", args=[application.pk])}"' in shown
    assert f'action="{reverse("apartments:decline", args=[application.pk])}"' in shown
    # 48 hours to answer: the countdown says how long is left and until when.
    assert "left to answer" in shown and "day" in shown
    due = timezone.localtime(application.offer_expires_at)
    assert f"{due:%m-%d %H:%M}" in shown
    assert f'datetime="{due.isoformat()}"' in shown
    assert "Nothing needs doing now." not in home(client, idle_rider)


def test_an_offer_past_its_deadline_is_not_shown(client, idle_rider):
    application = offered(idle_rider)
    type(application).objects.filter(pk=application.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )  # the sweep has not closed it yet; accepting it would be refused
    assert card(home(client, idle_rider), "offer") == ""


def test_todays_pick_up_code(client, idle_rider):
    order = meal_order_place(rider=idle_rider, set_meal_id=canteen_with_meal().pk)
    shown = card(home(client, idle_rider), "pickup")
    assert f"data-pickup-code>{order.pickup_code}<" in shown
    assert "Braised pork set" in shown and f'href="{reverse("canteen:orders")}"' in shown


def test_no_pick_up_card_for_collected_cancelled_or_other_days(client, idle_rider):
    order = meal_order_place(rider=idle_rider, set_meal_id=canteen_with_meal().pk)
    for change in (
        {"status": "collected", "collected_at": timezone.now()},
        {
            "status": "placed",
            "collected_at": None,
            "service_date": timezone.localdate() - dt.timedelta(days=1),
        },
    ):
        type(order).objects.filter(pk=order.pk).update(**change)
        assert card(home(client, idle_rider), "pickup") == ""


def test_points_with_what_they_buy_now_and_the_next_goal(client, idle_rider):
    give_points(idle_rider, 30)
    BenefitFactory(name_en="Meal voucher", points_price=20)
    BenefitFactory(name_en="Out of stock", points_price=25, stock=0)
    BenefitFactory(name_en="Mobile data", points_price=50)
    BenefitFactory(name_en="E-bike service", points_price=80)
    shown = card(home(client, idle_rider), "points")
    assert "30 points" in shown and f'href="{reverse("rewards:points")}"' in shown
    assert "You can get Meal voucher now" in shown
    assert "20 more points for Mobile data" in shown
    assert "Out of stock" not in shown and "E-bike" not in shown


def test_points_when_everything_is_affordable_or_nothing_yet(client, idle_rider):
    give_points(idle_rider, 100)
    BenefitFactory(name_en="Meal voucher", points_price=20)
    data = BenefitFactory(name_en="Mobile data", points_price=50, per_rider_limit=1)
    benefit_redeem(rider=idle_rider, benefit_id=data.pk)  # 50 points left, at the limit
    shown = card(home(client, idle_rider), "points")
    assert "50 points" in shown and "Mobile data" not in shown
    assert "You can get Meal voucher now" in shown and "more point" not in shown
    poor = RiderFactory(joined_on=idle_rider.joined_on)
    claimed_up(poor)
    assert card(home(client, poor), "points") == ""  # no points: no card


def test_the_subsidy_month_to_claim_until_it_is_filed(client):
    rider = RiderFactory()
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    shown = card(home(client, rider), "subsidy")
    assert f"subsidy for {last_month:%Y-%m}" in shown
    assert f'href="{reverse("subsidies:new")}"' in shown
    claimed_up(rider)
    assert Claim.objects.filter(rider=rider).exists()
    assert card(home(client, rider), "subsidy") == ""


def test_the_next_session_of_an_enrolled_course_only(client, idle_rider):
    course = course_with_sessions(title="电动车安全驾驶", title_en="Safe e-bike riding")
    course_with_sessions(title="未报名课程", title_en="Not enrolled")
    assert card(home(client, idle_rider), "course") == ""
    enrolment_create(rider=idle_rider, course_id=course.pk)
    shown = card(home(client, idle_rider), "course")
    first = timezone.localtime(course.sessions.order_by("starts_at").first().starts_at)
    assert "Next session: Safe e-bike riding" in shown and f"{first:%m-%d %H:%M}" in shown
    assert f'href="{reverse("growth:mine")}"' in shown and "Not enrolled" not in shown


def test_another_riders_things_never_show(client, idle_rider):
    other = RiderFactory()
    offered(other)
    meal_order_place(rider=other, set_meal_id=canteen_with_meal().pk)
    give_points(other, 40)
    enrolment_create(rider=other, course_id=course_with_sessions().pk)
    page = home(client, idle_rider)
    for name in ("offer", "pickup", "points", "course"):
        assert card(page, name) == "", name
    assert card(page, "empty") != ""
    assert card(home(client, other), "offer") != ""  # the same data does show to its owner


def fill(rider, size: int):
    """Give the rider every card, and `size` of history behind each."""
    pension = InsuranceType.objects.get(code="pension")
    for n in range(size):
        meal = canteen_with_meal(name=f"食堂{n}")
        meal_order_place(rider=rider, set_meal_id=meal.pk)
        enrolment_create(rider=rider, course_id=course_with_sessions(title=f"课程{n}").pk)
        BenefitFactory(points_price=10 + 10 * n)
    give_points(rider, 15 * size)
    # One more claim in the history each time; last month stays open to claim.
    from subsidies.selectors import claimable_months

    month = claimable_months(rider=rider)[-1]
    claim_file(rider=rider, month=month, amounts={pension: Decimal("500")}, proof=photo_upload())


def test_a_constant_number_of_queries_and_the_weight_budget(client, django_assert_max_num_queries):
    rider = RiderFactory()
    offered(rider)
    client.force_login(rider.user)
    for size in (1, 6):
        fill(rider, size)
        cache.clear()  # the headline figures counted afresh: the worst case
        # 23: 18 for the cards, 5 for what is open near the rider (tests/portal/test_near_now.py).
        with django_assert_max_num_queries(23):
            page = client.get("/").content.decode()
        for name in ("offer", "pickup", "points", "subsidy", "course"):
            assert card(page, name) != "", name
    assert page.count("data-pickup-code") == 7
    assert page_weight(client, "/").total < BUDGET_BYTES
