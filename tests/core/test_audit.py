"""The audit trail: money-bearing settings and staff permissions changed in the admin, admin
actions, who viewed a rider's personal data; read-only, for centre admins only."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.audit import SECRET_MASK
from core.models import User
from core.roles import CENTRE_ADMIN, DISPATCHER, SUBSIDY_REVIEWER
from governance.models import Category
from payouts import services as payouts
from payouts.models import PayoutBatch
from riders.models import Rider
from tests.factories import RiderFactory, StaffFactory, UserFactory, category, validated_report
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db
LOG = reverse("admin:auditlog_logentry_changelist")


def staff_in(group: str) -> User:
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("boss", password="boss-pass-123")


@pytest.fixture
def centre_admin() -> User:
    return staff_in(CENTRE_ADMIN)


def entries_for(obj, **filters):
    return LogEntry.objects.get_for_object(obj).filter(**filters).order_by("timestamp", "pk")


def post_change_form(client, url: str, **changes):
    """Submit an admin change form as a browser would: the current values, with `changes`."""
    page = client.get(url)
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data)


# --- what is audited ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "label",
    [
        "governance.Category",
        "governance.RoutingRule",
        "rewards.Benefit",
        "payouts.PayoutBatch",
        "canteen.SetMeal",
        "subsidies.SubsidyPolicy",
        "webhooks.Webhook",
        "core.User",
        "auth.Group",
        "api.ApiToken",
        "riders.Rider",
    ],
)
def test_money_bearing_settings_and_permissions_are_audited(label):
    assert auditlog.contains(apps.get_model(label))


def test_changing_a_category_reward_in_the_admin_records_who_and_old_and_new(client, superuser):
    litter = category()
    litter.cash_reward, litter.points_reward = Decimal("5.00"), 10
    litter.save()
    client.force_login(superuser)
    url = reverse("admin:governance_category_change", args=[litter.pk])
    response = post_change_form(client, url, cash_reward="8.50", points_reward="25")
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = entries_for(litter, action=LogEntry.Action.UPDATE).last()
    assert entry.actor == superuser
    assert entry.changes_dict["cash_reward"] == ["5.00", "8.50"]
    assert entry.changes_dict["points_reward"] == ["10", "25"]
    assert entry.remote_addr == "127.0.0.1"


def test_a_change_outside_a_request_is_recorded_without_an_actor():
    litter = category()
    litter.points_reward += 1
    litter.save()
    entry = entries_for(litter, action=LogEntry.Action.UPDATE).last()
    assert entry.actor is None and "points_reward" in entry.changes_dict


def test_webhook_secret_is_masked_in_the_log(superuser):
    with set_actor(superuser):
        hook = Webhook.objects.create(label="platform", url="https://platform.example/hook")
        first_secret = hook.secret
        hook.secret = "a-brand-new-signing-secret-for-the-receiver"
        hook.save()
    created, changed = entries_for(hook)
    assert created.action == LogEntry.Action.CREATE and created.actor == superuser
    assert changed.changes_dict["secret"] == [SECRET_MASK, SECRET_MASK]
    stored = str(created.changes) + str(changed.changes) + changed.changes_text
    assert first_secret not in stored and "brand-new-signing" not in stored
    assert first_secret[-8:] not in stored  # not half-masked either


def test_group_permission_change_in_the_admin_is_recorded(client, superuser):
    dispatcher = Group.objects.get(name=DISPATCHER)
    permission = Permission.objects.get(codename="change_category")
    client.force_login(superuser)
    url = reverse("admin:auth_group_change", args=[dispatcher.pk])
    current = [str(pk) for pk in dispatcher.permissions.values_list("pk", flat=True)]
    response = post_change_form(client, url, permissions=[*current, str(permission.pk)])
    assert response.status_code == 302
    entry = entries_for(dispatcher, action=LogEntry.Action.UPDATE).last()
    assert entry.actor == superuser
    change = entry.changes_dict["permissions"]
    assert change["operation"] == "add" and change["objects"] == [str(permission)]


def test_making_someone_staff_or_superuser_is_recorded(superuser):
    user = UserFactory()
    with set_actor(superuser):
        user.is_staff = user.is_superuser = True
        user.save()
        user.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    changed, grouped = entries_for(user, action=LogEntry.Action.UPDATE)
    assert changed.changes_dict == {
        "is_staff": ["False", "True"],
        "is_superuser": ["False", "True"],
    }
    assert grouped.changes_dict["groups"]["objects"] == [CENTRE_ADMIN]
    assert {changed.actor, grouped.actor} == {superuser}


def test_a_rider_signing_in_writes_no_audit_entry():
    rider = RiderFactory()
    before = LogEntry.objects.count()
    rider.user.last_login = timezone.now()
    rider.user.language = "en"
    rider.user.save()
    assert LogEntry.objects.count() == before


def test_a_phone_change_is_logged_masked(superuser):
    rider = RiderFactory(phone="13812345678")
    with set_actor(superuser):
        rider.phone = "13987654321"
        rider.save()
    entry = entries_for(rider, action=LogEntry.Action.UPDATE).last()
    assert entry.changes_dict["phone"] == ["138****5678", "139****4321"]
    assert "13812345678" not in str(entry.changes)


def test_an_admin_action_is_recorded_with_its_actor(client):
    reviewer = staff_in(SUBSIDY_REVIEWER)
    validated_report()
    month = timezone.localdate().replace(day=1)
    batch = payouts.batch_create(source="reward", month=month, by=StaffFactory())
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:payouts_payoutbatch_changelist"),
        {"action": "approve", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    assert PayoutBatch.objects.get().status == "approved"
    entry = entries_for(batch).filter(additional_data__admin_action="approve").get()
    assert entry.actor == reviewer
    # The action's name is stored as data; its label in the staff member's language.
    assert entry.additional_data == {"admin_action": "approve", "select_across": False}
    assert entry.changes_dict["admin action"][1]


def test_an_action_confirmation_page_is_not_yet_recorded(client, superuser):
    litter = category()
    client.force_login(superuser)
    before = LogEntry.objects.count()
    response = client.post(
        reverse("admin:governance_category_changelist"),
        {"action": "delete_selected", "_selected_action": [litter.pk]},
    )
    assert response.status_code == 200  # "Are you sure?"
    assert LogEntry.objects.count() == before


# --- who viewed a rider's personal data -----------------------------------------------------
def test_opening_a_rider_records_who_viewed_which_rider_and_when(client, centre_admin):
    centre_admin.user_permissions.add(Permission.objects.get(codename="view_rider"))
    rider = RiderFactory()
    client.force_login(centre_admin)
    before = timezone.now()
    response = client.get(reverse("admin:riders_rider_change", args=[rider.pk]))
    assert response.status_code == 200 and rider.phone in response.content.decode()
    entry = entries_for(rider, action=LogEntry.Action.ACCESS).get()
    assert entry.actor == centre_admin
    assert before <= entry.timestamp <= timezone.now()
    assert entry.additional_data["view"] == "change"


def test_searching_riders_records_each_rider_found_but_browsing_does_not(client, superuser):
    wang = RiderFactory(phone="13812340001")
    other = RiderFactory()
    client.force_login(superuser)
    assert client.get(reverse("admin:riders_rider_changelist")).status_code == 200
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    client.get(reverse("admin:riders_rider_changelist"), {"q": "13812340001"})
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.object_id, entry.actor, entry.additional_data["view"]) == (
        wang.pk,
        superuser,
        "search",
    )
    assert not entries_for(other, action=LogEntry.Action.ACCESS).exists()


def test_a_refused_rider_page_records_nothing(client):
    dispatcher = staff_in(DISPATCHER)
    rider = RiderFactory()
    client.force_login(dispatcher)
    response = client.get(reverse("admin:riders_rider_change", args=[rider.pk]))
    assert response.status_code in (302, 403)
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_rider_search_logging_costs_one_query_at_any_size(
    client, superuser, django_assert_max_num_queries
):
    client.force_login(superuser)
    for size in (2, 40):
        RiderFactory.create_batch(size, station="某某站", name="张三")
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()
        with django_assert_max_num_queries(13):
            response = client.get(reverse("admin:riders_rider_changelist"), {"q": "张三"})
        assert response.status_code == 200
        found = Rider.objects.filter(name="张三").count()
        assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == min(found, 50)


# --- who sees the log -----------------------------------------------------------------------
def test_a_centre_admin_reads_the_log_and_filters_it(client, centre_admin, superuser):
    litter = category()
    with set_actor(superuser):
        litter.cash_reward = Decimal("9.00")
        litter.save()
    rider = RiderFactory()
    client.force_login(superuser)
    client.get(reverse("admin:riders_rider_change", args=[rider.pk]))
    client.force_login(centre_admin)
    page = client.get(LOG)
    assert page.status_code == 200
    text = page.content.decode()
    assert str(litter) in text and str(rider) in text
    access = client.get(LOG, {"action__exact": LogEntry.Action.ACCESS}).content.decode()
    assert str(rider) in access and str(litter) not in access
    by_type = client.get(
        LOG, {"resource_type": ContentType.objects.get_for_model(Category).pk}
    ).content.decode()
    assert str(litter) in by_type and str(rider) not in by_type
    by_actor = client.get(LOG, {"actor": superuser.pk}).content.decode()
    assert str(litter) in by_actor
    assert client.get(LOG, {"actor": "system"}).status_code == 200
    assert client.get(LOG, {"actor": "not-a-number", "resource_type": "x"}).status_code == 200
    assert client.get(LOG, {"q": "boss"}).status_code == 200
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = {"timestamp__gte": str(midnight), "timestamp__lt": str(midnight + dt.timedelta(days=1))}
    assert str(litter) in client.get(LOG, today).content.decode()
    entry = entries_for(litter, action=LogEntry.Action.UPDATE).last()
    detail = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and "9.00" in detail.content.decode()


def test_nobody_edits_or_deletes_the_log(client, centre_admin, superuser):
    litter = category()
    litter.points_reward += 1
    litter.save()
    entry = entries_for(litter).last()
    for user in (centre_admin, superuser):
        client.force_login(user)
        change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
        assert client.post(change, {"object_repr": "forged"}).status_code == 403
        delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr == str(litter)


def test_a_dispatcher_gets_403(client):
    client.force_login(staff_in(DISPATCHER))
    assert client.get(LOG).status_code == 403


def test_an_outsider_is_sent_to_sign_in(client):
    client.force_login(RiderFactory().user)
    response = client.get(LOG)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_centre_admin_permission_comes_from_the_migration():
    group = Group.objects.get(name=CENTRE_ADMIN)
    assert group.permissions.filter(content_type__app_label="auditlog").count() == 1
    assert group.permissions.get(content_type__app_label="auditlog").codename == "view_logentry"


def test_the_log_list_uses_constant_queries(client, centre_admin, django_assert_max_num_queries):
    client.force_login(centre_admin)
    for size in (2, 40):
        with set_actor(centre_admin):
            for _ in range(size):
                RiderFactory()
        with django_assert_max_num_queries(14):
            assert client.get(LOG).status_code == 200
