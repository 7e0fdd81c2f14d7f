"""Shared set-up of the workbench's report page tests: departments, officers and reports."""

import re

from django.core.files.base import ContentFile

from governance import services, workflow
from governance.models import Officer, Report, ReportPhoto
from tests.factories import DepartmentFactory, ReportFactory, UserFactory, jpeg_bytes


def officer(department, **kwargs):
    user = UserFactory()
    Officer.objects.create(user=user, department=department, **kwargs)
    return user


def routed(department, **kwargs) -> Report:
    report = workflow.route(ReportFactory(**kwargs), department=department)
    ReportPhoto.objects.create(
        report=report,
        position=1,
        image=ContentFile(jpeg_bytes(), name="p.jpg"),
        thumbnail=ContentFile(jpeg_bytes(size=(100, 75)), name="t.jpg"),
    )
    return report


def assisted(lead, helper, **kwargs) -> Report:
    report = routed(lead, **kwargs)
    services.assist_add(report=report, department=helper, by=None)
    return report


def page(report: Report, action: str = "") -> str:
    return f"/desk/reports/{report.public_id}/" + (f"{action}/" if action else "")


def once(html: str, prefix: str) -> str:
    """The one-time token of the action form `prefix` on a rendered page."""
    match = re.search(rf'name="{prefix}-once" value="([^"]+)"', html)
    assert match, f"no {prefix} form on the page"
    return match[1]


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def third_department():
    return DepartmentFactory()
