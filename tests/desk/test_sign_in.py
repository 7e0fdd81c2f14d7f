"""Signing in to the workbench: password, then the authenticator's code; nobody is signed in
after the password alone; a working day's session; who may enter at all."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from tests.desk.desk_stubs import desk_urls  # noqa: F401  (autouse)
from tests.desk.helpers import PASSWORD, officer
from tests.factories import StaffFactory
from tests.staff_otp import staff_device, totp_token

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def password_step(client, user, password=PASSWORD):
    return client.post("/desk/sign-in/", {"username": user.username, "password": password}, **EN)


def test_password_then_code_signs_an_officer_in_for_a_working_day(client, settings):
    user = officer(username="li-officer")
    device = staff_device(user)
    response = password_step(client, user)
    assert response.status_code == 302 and "/desk/sign-in/code/" in response["Location"]
    assert SESSION_KEY not in client.session  # not signed in on the password alone
    assert client.get("/desk/", **EN).status_code == 302

    response = client.post("/desk/sign-in/code/", {"token": totp_token(device)}, **EN)
    assert response.status_code == 302 and response["Location"] == "/desk/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/desk/", **EN).status_code == 200
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()).total_seconds() - settings.STAFF_SESSION_SECONDS) < 60


def test_wrong_password_is_refused_in_words(client):
    user = officer()
    response = password_step(client, user, password="nope")
    assert response.status_code == 400
    assert b"do not match" in response.content
    assert SESSION_KEY not in client.session


def test_wrong_code_is_refused_and_nobody_is_signed_in(client):
    user = officer()
    staff_device(user)
    password_step(client, user)
    response = client.post("/desk/sign-in/code/", {"token": "000000"}, **EN)
    assert response.status_code == 400
    assert b"That code is wrong" in response.content
    assert SESSION_KEY not in client.session
    response = client.post("/desk/sign-in/code/", {"token": "12ab"}, **EN)
    assert response.status_code == 400 and b"Enter the 6 digits" in response.content


def test_code_step_without_the_password_goes_back_to_it(client):
    response = client.get("/desk/sign-in/code/", **EN)
    assert response.status_code == 302 and response["Location"].startswith("/desk/sign-in/")


def test_no_device_and_no_self_enrolment_says_ask_the_centre(client, settings):
    settings.STAFF_2FA_SELF_ENROL = False
    user = officer()
    password_step(client, user)
    response = client.get("/desk/sign-in/code/", **EN)
    assert response.status_code == 403
    assert b"ask the centre to set up your authenticator" in response.content


def test_self_enrolment_shows_a_qr_code_and_confirms_with_a_code(client, settings):
    settings.STAFF_2FA_SELF_ENROL = True
    user = officer()
    password_step(client, user)
    response = client.get("/desk/sign-in/code/", **EN)
    assert response.status_code == 200 and b"<svg" in response.content
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/desk/sign-in/code/", {"token": totp_token(device)}, **EN)
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed and client.session[SESSION_KEY] == str(user.pk)


def test_someone_who_is_not_an_officer_cannot_sign_in_and_gets_403(client):
    user = StaffFactory(is_staff=False)
    response = password_step(client, user)
    assert response.status_code == 400 and b"not an officer" in response.content
    client.force_login(user)
    assert client.get("/desk/", **EN).status_code == 403


def test_anonymous_is_sent_to_the_sign_in(client):
    response = client.get("/desk/", **EN)
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/sign-in/?next=/desk/")


def test_a_session_older_than_the_working_day_is_signed_out(client, settings):
    user = officer()
    device = staff_device(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        password_step(client, user)
        client.post("/desk/sign-in/code/", {"token": totp_token(device)}, **EN)
        assert client.get("/desk/", **EN).status_code == 200
    later = start + dt.timedelta(seconds=settings.STAFF_SESSION_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        response = client.get("/desk/", **EN)
        assert response.status_code == 302 and "/desk/sign-in/" in response["Location"]


def test_the_marker_alone_ends_a_session_whose_expiry_was_lengthened(client, settings):
    user = officer()
    device = staff_device(user)
    password_step(client, user)
    client.post("/desk/sign-in/code/", {"token": totp_token(device)}, **EN)
    session = client.session
    session["staff_signed_in_at"] -= settings.STAFF_SESSION_SECONDS + 60
    session.set_expiry(30 * 24 * 3600)
    session.save()
    response = client.get("/desk/", **EN)
    assert response.status_code == 302 and SESSION_KEY not in client.session


def test_sign_out(client):
    user = officer()
    client.force_login(user)
    response = client.post("/desk/sign-out/")
    assert response.status_code == 302 and SESSION_KEY not in client.session
    assert client.get("/desk/sign-out/").status_code == 405


def test_a_centre_admin_makes_an_existing_user_an_officer_in_the_admin(client):
    from django.contrib.auth.models import Group

    from governance.models import Officer
    from tests.factories import DepartmentFactory

    admin_user = StaffFactory()
    admin_user.groups.add(Group.objects.get(name="Centre admin"))
    client.force_login(admin_user)
    person = StaffFactory(is_staff=False, username="grid-zhang")
    department = DepartmentFactory()
    response = client.post(
        "/admin/governance/officer/add/",
        {"user": person.pk, "department": department.pk, "is_head": "on", "is_active": "on"},
        **EN,
    )
    assert response.status_code == 302, response.content[:2000]
    assert Officer.objects.get(user=person).department == department
    listing = client.get("/admin/governance/officer/?q=grid-zhang", **EN)
    assert listing.status_code == 200 and b"grid-zhang" in listing.content


def test_five_wrong_passwords_lock_the_officer_out_as_staff_are(client):
    user = officer()
    for attempt in range(4):
        assert password_step(client, user, password=f"wrong-{attempt}").status_code == 400
    assert password_step(client, user, password="wrong-4").status_code == 429
    # The right password is refused too while locked.
    assert password_step(client, user).status_code == 429
    assert "desk_sign_in_pending" not in client.session
