"""Pytest plugin: staff signed in with `client.force_login` have also passed the TOTP step.

`force_login` skips the password; this makes it skip the second factor too, as a fully
signed-in staff member would have: staff whose role requires two-factor get a confirmed TOTP
device and a session verified with it (what core.staff_auth.mark_verified() stores). Tests of
the sign-in itself go through the real pages, or mark themselves `@pytest.mark.no_staff_otp`
to get an unverified session.

Helpers for tests that enter codes: `staff_device(user)` and `totp_token(device)`.
"""

import time

import pytest
from django.test.client import ClientMixin


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "no_staff_otp: force_login leaves staff unverified (no TOTP device made)"
    )


def staff_device(user):
    """The user's confirmed TOTP device, created if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_token(device, *, at: float | None = None) -> str:
    """The 6-digit code the staff member's authenticator app shows now (or at `at`)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _staff_force_login_passes_two_factor(request, monkeypatch):
    if request.node.get_closest_marker("no_staff_otp"):
        yield
        return
    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        from core.staff_auth import mark_verified, two_factor_required

        original(self, user, backend)
        if two_factor_required(user):
            # What entering a code on /staff/two-factor/ stores in the session.
            session = self.session
            mark_verified(session, staff_device(user))
            session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
    yield
