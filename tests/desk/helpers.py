"""Officers and queued reports for the workbench's tests."""

import datetime as dt

from django.utils import timezone

from governance.models import CLOSED_STATUSES, Officer, Priority, Report, ReportStatus
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory, StaffFactory

PASSWORD = "staff-pass-123"  # tests.factories.StaffFactory


def officer(department=None, *, head=False, username=None, **user_fields):
    """An officer's user (not staff: the admin stays closed to officers)."""
    fields = {"is_staff": False, **user_fields}
    if username:
        fields["username"] = username
    user = StaffFactory(**fields)
    Officer.objects.create(user=user, department=department or DepartmentFactory(), is_head=head)
    return user


def queued(department, *, rider=None, hours_used=1, hours=72, **fields):
    """A report routed to `department` `hours_used` hours ago with `hours` to close it."""
    now = timezone.now()
    routed_at = now - dt.timedelta(hours=hours_used)
    defaults = {
        "status": ReportStatus.ROUTED,
        "department": department,
        "routed_at": routed_at,
        "due_at": routed_at + dt.timedelta(hours=hours),
        "priority": Priority.NORMAL,
    }
    defaults.update(fields)
    if defaults["status"] in CLOSED_STATUSES:
        defaults.setdefault("closed_at", now)
    return ReportFactory(rider=rider or RiderFactory(), **defaults)


def queued_many(department, n, *, rider=None, **fields):
    rider = rider or RiderFactory()
    now = timezone.now()
    Report.objects.bulk_create(
        [
            ReportFactory.build(
                rider=rider,
                status=ReportStatus.ROUTED,
                department=department,
                routed_at=now,
                due_at=now + dt.timedelta(hours=72 + i % 50),
                priority=Priority.NORMAL,
                **fields,
            )
            for i in range(n)
        ]
    )
