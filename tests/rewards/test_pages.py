"""Rider pages (points, benefits, vouchers), the public honour roll and the voucher counter:
who may see what, bad input, and constant query counts."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.roles import CANTEEN_OPERATOR, DISPATCHER
from rewards import services
from rewards.models import Honour, PointsAccount, Redemption
from tests.factories import (
    BenefitFactory,
    RiderFactory,
    StaffFactory,
    give_points,
    photo_upload,
    validated_report,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rider(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


RIDER_PAGES = ["rewards:points", "rewards:benefits", "rewards:redemptions"]


@pytest.mark.parametrize("name", RIDER_PAGES)
def test_rider_pages_need_a_signed_in_rider(client, name):
    assert client.get(reverse(name)).status_code == 302  # to sign-in
    client.force_login(StaffFactory())
    assert client.get(reverse(name)).status_code == 403  # staff are not riders


def test_points_page_shows_my_balance_history_and_the_report_it_came_from(client, rider):
    report = validated_report(rider=rider)
    other = validated_report()
    page = client.get(reverse("rewards:points")).content.decode()
    assert "data-balance>10<" in page
    assert report.public_id in page and other.public_id not in page
    assert "¥5.00" in page  # cash earned, waiting for the next payout


def test_points_history_pages_with_a_cursor_and_survives_a_bad_one(client, rider):
    for n in range(35):
        give_points(rider, n + 1)
    first = client.get(reverse("rewards:points")).content.decode()
    assert first.count('class="ledger__item"') == 30 and "?before=" in first
    cursor = first.split("?before=")[1].split('"')[0]
    second = client.get(reverse("rewards:points"), {"before": cursor}).content.decode()
    assert second.count('class="ledger__item"') == 5
    assert client.get(reverse("rewards:points"), {"before": "abc"}).status_code == 200


def test_points_page_constant_queries(client, rider, django_assert_max_num_queries):
    for size in (2, 40):
        for _ in range(size):
            validated_report(rider=rider)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("rewards:points"))
        assert response.status_code == 200


def test_catalogue_and_vouchers_constant_queries(client, rider, django_assert_max_num_queries):
    give_points(rider, 10_000)
    for size in (2, 25):
        for _ in range(size):
            benefit = BenefitFactory(per_rider_limit=5, stock=100)
            services.benefit_redeem(rider=rider, benefit_id=benefit.pk)
        with django_assert_max_num_queries(7):
            page = client.get(reverse("rewards:benefits")).content.decode()
        assert page.count('class="card benefit"') == Redemption.objects.count()
        with django_assert_max_num_queries(8):
            page = client.get(reverse("rewards:redemptions")).content.decode()
        assert page.count("data-code") == min(20, Redemption.objects.count())


def test_redeem_asks_for_confirmation_then_shows_the_code(client, rider):
    give_points(rider, 50)
    benefit = BenefitFactory(points_price=20, stock=3)
    confirm = client.get(reverse("rewards:redeem", args=[benefit.pk])).content.decode()
    assert "data-redeem" in confirm and "30" in confirm  # balance after
    assert not Redemption.objects.exists()  # looking is not buying
    response = client.post(reverse("rewards:redeem", args=[benefit.pk]), follow=True)
    redemption = Redemption.objects.get()
    assert redemption.rider == rider
    assert redemption.code in response.content.decode()
    assert PointsAccount.objects.get(rider=rider).balance == 30


def test_redeem_without_enough_points_explains_and_loses_nothing(client, rider):
    give_points(rider, 5)
    benefit = BenefitFactory(points_price=20)
    page = client.get(reverse("rewards:redeem", args=[benefit.pk])).content.decode()
    assert "data-redeem" not in page and "15" in page  # "you need 15 more points"
    response = client.post(reverse("rewards:redeem", args=[benefit.pk]))
    assert response.status_code == 200
    assert "积分不足" in response.content.decode() or "Not enough" in response.content.decode()
    assert not Redemption.objects.exists()


def test_unknown_or_inactive_benefit_is_404(client, rider):
    assert client.get(reverse("rewards:redeem", args=[999_999])).status_code == 404
    hidden = BenefitFactory(is_active=False)
    assert client.post(reverse("rewards:redeem", args=[hidden.pk])).status_code == 404


def test_i_never_see_another_riders_vouchers(client, rider):
    other = RiderFactory()
    give_points(other, 100)
    theirs = services.benefit_redeem(rider=other, benefit_id=BenefitFactory().pk)
    page = client.get(reverse("rewards:redemptions")).content.decode()
    assert theirs.code not in page


# --- honour roll ----------------------------------------------------------------------------


def honour(kind="bravery", status="published", **kwargs) -> Honour:
    return Honour.objects.create(
        rider=kwargs.pop("rider", None) or RiderFactory(),
        kind=kind,
        title=kwargs.pop("title", "见义勇为"),
        story="雨夜救起落水老人",
        honoured_on=kwargs.pop("honoured_on", timezone.localdate()),
        status=status,
        published_at=timezone.now() if status == "published" else None,
        month=kwargs.pop("month", None),
        **kwargs,
    )


def test_honour_roll_is_public_shows_only_published_newest_first(client):
    import datetime as dt

    older = honour(title="较早", honoured_on=dt.date(2026, 1, 5))
    newer = honour(title="较新", honoured_on=dt.date(2026, 6, 5))
    proposed = honour(title="待审", status="proposed")
    page = client.get(reverse("rewards:honours")).content.decode()
    assert page.index(newer.title) < page.index(older.title)
    assert proposed.title not in page
    assert newer.rider.phone not in page and newer.rider.rider_number not in page


def test_honour_roll_filters_by_kind_and_ignores_a_bad_kind(client):
    hero = honour(kind="community_hero", title="社区侠")
    brave = honour(kind="bravery", title="勇敢")
    page = client.get(reverse("rewards:honours"), {"kind": "community_hero"}).content.decode()
    assert hero.title in page and brave.title not in page
    page = client.get(reverse("rewards:honours"), {"kind": "nonsense"}).content.decode()
    assert hero.title in page and brave.title in page


def test_honour_roll_constant_queries(client, django_assert_max_num_queries):
    for size in (2, 15):
        for _ in range(size):
            honour()
        with django_assert_max_num_queries(4):
            assert client.get(reverse("rewards:honours")).status_code == 200


def test_photo_of_an_unpublished_honour_is_404(client):
    published = honour()
    proposed = honour(status="proposed")
    for item in (published, proposed):
        item.photo.save("p.jpg", photo_upload(), save=True)
    assert client.get(reverse("rewards:honour_photo", args=[published.pk])).status_code == 200
    assert client.get(reverse("rewards:honour_photo", args=[proposed.pk])).status_code == 404


# --- voucher counter ------------------------------------------------------------------------


def test_voucher_counter_marks_a_code_used_for_canteen_staff(client):
    rider = RiderFactory()
    give_points(rider, 50)
    redemption = services.benefit_redeem(rider=rider, benefit_id=BenefitFactory().pk)
    operator = StaffFactory()
    operator.groups.add(Group.objects.get(name=CANTEEN_OPERATOR))
    client.force_login(operator)
    url = reverse("rewards:voucher_counter")
    response = client.post(url, {"code": redemption.code.lower()})
    assert "data-used" in response.content.decode()
    redemption.refresh_from_db()
    assert redemption.status == "used" and redemption.used_by == operator
    again = client.post(url, {"code": redemption.code}).content.decode()
    assert "data-used" not in again and 'class="field__error"' in again
    empty = client.post(url, {"code": ""})
    assert empty.status_code == 200 and 'class="field__error"' in empty.content.decode()


def test_voucher_counter_is_closed_to_riders_and_other_staff(client):
    url = reverse("rewards:voucher_counter")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(RiderFactory().user)
    assert client.get(url).status_code == 403
    dispatcher = StaffFactory()
    dispatcher.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403
