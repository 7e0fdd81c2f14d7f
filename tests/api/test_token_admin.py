import pytest
from django.urls import reverse

from api.models import ApiToken, token_digest
from core.models import User
from tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("boss", password="boss-pass-123"))
    return client


def test_admin_issues_a_token_and_shows_the_key_once(admin_client):
    department = DepartmentFactory()
    response = admin_client.post(
        reverse("admin:api_apitoken_add"),
        {"kind": "officer", "department": department.pk, "label": "desk 1"},
        follow=True,
    )
    token = ApiToken.objects.get(label="desk 1")
    [message] = [
        str(m) for m in response.context["messages"] if "key" in str(m) or "密钥" in str(m)
    ]
    key = message.rsplit(" ", 1)[-1]
    assert token.key_hash == token_digest(key) and token.department == department
    page = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert key not in page


def test_officer_token_needs_a_department(admin_client):
    response = admin_client.post(
        reverse("admin:api_apitoken_add"), {"kind": "officer", "label": "x"}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_revoke_action(admin_client):
    from api.services import token_issue

    token, _key = token_issue(label="x", department=DepartmentFactory())
    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_without_permission_cannot_see_tokens(client):
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403


def test_staff_who_may_only_view_tokens_cannot_revoke_them(client):
    from django.contrib.auth.models import Permission

    from api.services import token_issue

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client.force_login(viewer)
    token, _key = token_issue(label="x", department=DepartmentFactory())
    page = client.get(reverse("admin:api_apitoken_changelist"))
    assert page.status_code == 200
    assert b'value="revoke"' not in page.content
    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is None
