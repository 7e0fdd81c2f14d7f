"""Demo data for core: the centre admin account. Run through `manage.py seed_demo`."""

from base64 import b32encode

from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .roles import CANTEEN_OPERATOR, CENTRE_ADMIN, DISPATCHER, SUBSIDY_REVIEWER
from .staff_auth import DEVICE_NAME, two_factor_required

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "riders-demo-2026"  # noqa: S105 - demo only; seed_demo refuses in production
# One staff account per role, same demo password: username → group.
DEMO_STAFF = {
    "dispatcher": DISPATCHER,
    "reviewer": SUBSIDY_REVIEWER,
    "canteen": CANTEEN_OPERATOR,
}
# Demo staff are people: the admin greets staff by first name ("欢迎，王海燕"), where a role
# name ("Canteen operator") read like a system account. Chinese names are written whole.
DEMO_STAFF_NAMES = {
    DEMO_ADMIN_USERNAME: "王海燕",
    "dispatcher": "刘建国",
    "reviewer": "陈晓丽",
    "canteen": "孙立军",
}
# The demo's authenticator key, the same for every demo account whose role needs two-factor
# (seed_demo runs only with DEBUG on). Add it to an authenticator app once.
DEMO_TOTP_KEY = b"riders-portal-demo!!"
DEMO_TOTP_SECRET = b32encode(DEMO_TOTP_KEY).decode()  # OJUWIZLSOMWXA33SORQWYLLEMVWW6IJB


def _demo_authenticator(user: User) -> None:
    """Staff who need two-factor get a confirmed device with the demo key (no enrolment step)."""
    if two_factor_required(user):
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEVICE_NAME,
            defaults={"key": DEMO_TOTP_KEY.hex(), "confirmed": True},
        )


def seed(stdout) -> None:
    admin, created = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_ADMIN_PASSWORD)
    # Set on every run: demo databases seeded before had the role's name here.
    admin.first_name = DEMO_STAFF_NAMES[DEMO_ADMIN_USERNAME]
    admin.save()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    _demo_authenticator(admin)
    stdout.write(f"Centre admin: {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}")
    for username, group in DEMO_STAFF.items():
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(DEMO_ADMIN_PASSWORD)
        user.first_name = DEMO_STAFF_NAMES[username]
        user.save()
        user.groups.add(Group.objects.get(name=group))
        _demo_authenticator(user)
    stdout.write(f"Staff by role: {', '.join(DEMO_STAFF)} (same password)")
    stdout.write(
        f"Two-factor code for admin, dispatcher and reviewer: add the key {DEMO_TOTP_SECRET} "
        "(time-based, 6 digits) to an authenticator app, or run "
        f"`oathtool --totp -b {DEMO_TOTP_SECRET}`"
    )
