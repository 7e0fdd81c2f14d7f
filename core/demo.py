"""Demo data for core: the centre admin account. Run through `manage.py seed_demo`."""

from django.contrib.auth.models import Group

from .models import User
from .roles import CANTEEN_OPERATOR, CENTRE_ADMIN, DISPATCHER, SUBSIDY_REVIEWER

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "riders-demo-2026"  # noqa: S105 - demo only; seed_demo refuses in production
# One staff account per role, same demo password: username → group.
DEMO_STAFF = {
    "dispatcher": DISPATCHER,
    "reviewer": SUBSIDY_REVIEWER,
    "canteen": CANTEEN_OPERATOR,
}


def seed(stdout) -> None:
    admin, created = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME,
        defaults={"is_staff": True, "is_superuser": True, "first_name": "Centre admin"},
    )
    if created:
        admin.set_password(DEMO_ADMIN_PASSWORD)
        admin.save()
    admin.groups.add(Group.objects.get(name=CENTRE_ADMIN))
    stdout.write(f"Centre admin: {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}")
    for username, group in DEMO_STAFF.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "first_name": group}
        )
        if created:
            user.set_password(DEMO_ADMIN_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group))
    stdout.write(f"Staff by role: {', '.join(DEMO_STAFF)} (same password)")
