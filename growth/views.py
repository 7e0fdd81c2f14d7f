"""Rider pages for the growth plan, and the public certificate check."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from riders.permissions import rider_required

from . import selectors, services
from .models import Course, Enrolment


@rider_required
@require_GET
def course_list(request):
    """The signed-in rider: published courses, filterable by category, with seats left."""
    category = request.GET.get("category", "")
    if category not in Course.Category.values:
        category = ""
    return render(
        request,
        "growth/course_list.html",
        {
            "courses": selectors.courses_for_riders(rider=request.rider, category=category),
            "categories": Course.Category.choices,
            "category": category,
            "nav": "services",
        },
    )


@rider_required
@require_POST
def enrol(request, pk: int):
    """The signed-in rider takes a seat on a course."""
    try:
        services.enrolment_create(rider=request.rider, course_id=pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("growth:courses")
    messages.success(request, _("You are enrolled. See you at the first session!"))
    return redirect("growth:mine")


@rider_required
@require_POST
def cancel(request, pk: int):
    """The signed-in rider cancels their own enrolment (another rider's is 404)."""
    enrolment = get_object_or_404(Enrolment, pk=pk, rider=request.rider)
    try:
        services.enrolment_cancel(enrolment=enrolment, rider=request.rider)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your enrolment is cancelled."))
    return redirect("growth:mine")


@rider_required
@require_GET
def my_courses(request):
    """The signed-in rider: their own courses, attendance and certificates."""
    return render(
        request,
        "growth/my_courses.html",
        {"enrolments": selectors.enrolments_for_rider(rider=request.rider), "nav": "services"},
    )


@require_GET
def certificate(request, code: str):
    """Anyone with the code: the printable certificate, and the proof that it is genuine."""
    enrolment = selectors.certificate(code=code)
    if enrolment is None:
        raise Http404
    return render(request, "growth/certificate.html", {"enrolment": enrolment})


@require_GET
def certificate_check(request):
    """Anyone: type a certificate code to check it."""
    code = request.GET.get("code", "").strip()
    if code:
        if selectors.certificate(code=code) is not None:
            return redirect("growth:certificate", code=code.upper())
        messages.error(request, _("No certificate has the code %(code)s.") % {"code": code[:20]})
    return render(request, "growth/certificate_check.html", {"code": code})
