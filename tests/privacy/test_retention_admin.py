"""Centre admins read the retention runs in the admin (read-only) and may run the table now,
which queues the task after commit; other staff get 403, riders the admin's sign-in."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import CENTRE_ADMIN, DISPATCHER, NATIONAL_ADMIN
from privacy import retention
from privacy.models import RetentionRun
from tests.factories import RiderFactory, StaffFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:privacy_retentionrun_changelist")
RUN_NOW = reverse("admin:privacy_retentionrun_run_now")


def staff(role: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=role))
    return user


def test_a_centre_admin_reads_the_runs_and_each_runs_rules(client):
    run = retention.retention_apply(now=timezone.now())
    client.force_login(staff(CENTRE_ADMIN))
    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert reverse("admin:privacy_retentionrun_change", args=[run.pk]) in page.content.decode()
    assert "Run the retention table now" in page.content.decode()
    detail = client.get(
        reverse("admin:privacy_retentionrun_change", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert detail.status_code == 200
    text = detail.content.decode()
    for rule in retention.RULES:
        assert rule.name in text
    assert "sweep not registered" in text  # governance's photo sweep, until it is wired
    assert 'name="_save"' not in text  # read-only


def test_a_national_admin_reads_them_too(client):
    client.force_login(staff(NATIONAL_ADMIN))
    assert client.get(LIST).status_code == 200


def test_other_staff_get_403_and_riders_the_sign_in(client):
    run = retention.retention_apply(now=timezone.now())
    client.force_login(staff(DISPATCHER))
    assert client.get(LIST).status_code == 403
    assert (
        client.get(reverse("admin:privacy_retentionrun_change", args=[run.pk])).status_code == 403
    )
    client.force_login(RiderFactory().user)
    assert client.get(LIST).status_code == 302
    assert reverse("admin:login") in client.get(LIST)["Location"]


def test_nobody_adds_changes_or_deletes_a_run(client):
    run = retention.retention_apply(now=timezone.now())
    client.force_login(staff(CENTRE_ADMIN))
    assert client.get(reverse("admin:privacy_retentionrun_add")).status_code == 403
    assert (
        client.post(reverse("admin:privacy_retentionrun_delete", args=[run.pk])).status_code == 403
    )
    client.post(reverse("admin:privacy_retentionrun_change", args=[run.pk]), {"rows": 99})
    run.refresh_from_db()
    assert run.rows == 0
    assert RetentionRun.objects.count() == 1


def test_the_list_costs_the_same_queries_for_one_run_and_for_many(
    client, django_assert_num_queries
):
    admin = staff(CENTRE_ADMIN)
    other = staff(CENTRE_ADMIN)
    client.force_login(admin)
    retention.retention_apply(now=timezone.now(), requested_by=other)
    client.get(LIST)  # warm: content types, sessions
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for _ in range(5):
        retention.retention_apply(now=timezone.now(), requested_by=other)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_run_now_queues_the_task_after_commit(client, django_capture_on_commit_callbacks):
    admin = staff(CENTRE_ADMIN)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(RUN_NOW)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not RetentionRun.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    run = RetentionRun.objects.get()
    assert run.requested_by == admin and run.finished_at is not None


def test_run_now_is_for_those_who_may_and_only_by_post(client):
    client.force_login(staff(DISPATCHER))
    assert client.post(RUN_NOW).status_code == 403
    client.force_login(staff(CENTRE_ADMIN))
    assert client.get(RUN_NOW).status_code == 405
    client.force_login(RiderFactory().user)
    assert client.post(RUN_NOW).status_code == 302  # the admin's sign-in
    assert not RetentionRun.objects.exists()
