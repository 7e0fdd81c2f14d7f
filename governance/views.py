"""Rider pages for city-problem reports. Every view: the signed-in rider, own reports only."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.responses import file_response
from riders.permissions import rider_required

from . import selectors, services
from .forms import (
    ANSWER_ERROR_FIELDS,
    CHECK_ERROR_FIELDS,
    ERROR_FIELDS,
    FixCheckForm,
    JoinForm,
    NearbyForm,
    QuestionAnswerForm,
    ReportForm,
)
from .models import EvidencePhoto, FixAnswer, Report, ReportPhoto, ReportQuestion, ReportStatus


def _wants_json(request) -> bool:
    # The progressive form script sends this header; without JavaScript the form posts normally.
    return request.headers.get("X-Requested-With") == "fetch"


@rider_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    """The signed-in rider files a report (photos, location, description)."""
    rider = request.rider
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"district": rider.district_id},
        city_id=rider.district.city_id,
    )
    if request.method == "POST" and _wants_json(request):
        # The cheapest refusal first: a rider over the hourly limit gets one count query, not
        # the form's lookups and never a decoded photo (report_submit checks again anyway).
        try:
            services.report_rate_check(rider=rider)
        except DomainError as error:
            return JsonResponse({"errors": {"__all__": [error.message]}}, status=400)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_submit(
                rider=rider,
                category=data["category"],
                description=data["description"],
                district=data["district"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                address=data["address"],
                photos=data["photos"],
            )
        except DomainError as error:
            form.add_error(ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(
                request,
                _("Thank you! Report %(id)s is received and goes to the right department.")
                % {"id": report.public_id},
            )
            url = reverse("reports:detail", args=[report.public_id])
            if _wants_json(request):
                return JsonResponse({"id": report.public_id, "redirect": url}, status=201)
            return redirect(url)
    if request.method == "POST" and _wants_json(request):
        return JsonResponse(
            {"errors": {field or "__all__": list(errs) for field, errs in form.errors.items()}},
            status=400,
        )
    return render(
        request,
        "governance/report_form.html",
        {"form": form, "districts": form.fields["district"].queryset, "nav": "report"},
    )


@rider_required
@require_GET
def report_list(request):
    """The signed-in rider's own reports."""
    page = Paginator(selectors.reports_for_rider(rider=request.rider), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "governance/report_list.html", {"page": page, "nav": "report"})


def _report_page(
    request,
    report: Report,
    check_form: FixCheckForm | None = None,
    answer_form: QuestionAnswerForm | None = None,
):
    rider = request.rider
    last_answer = selectors.rider_last_answer(rider=rider, report=report)
    awaited = selectors.check_awaited(report=report, last_answer=last_answer)
    if awaited and check_form is None:
        check_form = FixCheckForm(initial={"round": report.reopen_count})
    is_reporter = selectors.rider_filed(rider=rider, report=report)
    questions = selectors.report_questions(report=report)
    asked = selectors.open_question(report=report, questions=questions)
    if asked is not None and is_reporter and answer_form is None:
        answer_form = QuestionAnswerForm(initial={"position": asked.position})
    return render(
        request,
        "governance/report_detail.html",
        {
            "report": report,
            "is_reporter": is_reporter,
            "check_form": check_form if awaited else None,
            "last_answer": last_answer,
            "check_hours": settings.REPORT_CHECK_HOURS,
            "past_questions": [question for question in questions if question is not asked],
            "open_question": asked,
            "answer_form": answer_form if asked is not None and is_reporter else None,
            "question_hours": settings.REPORT_QUESTION_HOURS,
            "nav": "report",
        },
    )


@rider_required
@require_GET
def report_detail(request, public_id: str):
    """One of the signed-in rider's own reports (filed or joined): status, timeline, the
    department's reply, and "is it fixed?" while the rider's check is awaited."""
    report = selectors.report_for_rider(rider=request.rider, public_id=public_id)
    if report is None:
        raise Http404
    return _report_page(request, report)


# Refusals that mean the question is no longer open: the page says so instead of the form.
CHECK_CLOSED = {"not_resolved", "already_answered"}


def _checked_message(report: Report) -> str:
    params = {"id": report.public_id, "department": report.department or ""}
    if report.status == ReportStatus.CONFIRMED:
        return _("Thank you! Report %(id)s is confirmed as fixed.") % params
    if report.status == ReportStatus.REOPENED:
        return _("Report %(id)s is reopened: %(department)s must fix it again.") % params
    if report.status == ReportStatus.SUPERVISION:
        return _("Report %(id)s is not fixed again: the service centre now supervises it.") % params
    return _("Thank you! Your check of report %(id)s is recorded.") % params


@rider_required
@require_POST
def report_check(request, public_id: str):
    """The reporter or a rider who joined answers "is it fixed?" for a resolved report
    (governance.services.report_check). Anyone else gets 404, as on the report page."""
    report = selectors.report_for_rider(rider=request.rider, public_id=public_id)
    if report is None:
        raise Http404
    url = reverse("reports:detail", args=[report.public_id])
    form = FixCheckForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        posted = data["round"]
        if posted is not None and posted != report.reopen_count:
            # The form was for an earlier resolution: never let it answer the new one.
            if selectors.rider_answered(rider=request.rider, report=report, round=posted):
                messages.info(request, _("You have already answered. Thank you!"))
            else:
                messages.info(
                    request, _("The report changed while you were looking: please check again.")
                )
            return redirect(url)
        try:
            answer = services.report_check(
                rider=request.rider,
                report=report,
                outcome=data["outcome"],
                satisfaction=data["satisfaction"],
                comment=data["comment"],
                photo=data["photo"],
            )
        except DomainError as error:
            if error.code not in CHECK_CLOSED:
                form.add_error(CHECK_ERROR_FIELDS.get(error.code), error.message)
                return _report_page(request, report, form)
            # A second submit (double tap, back button) or a check the default already took.
            seen = data["round"] if data["round"] is not None else report.reopen_count
            if selectors.rider_answered(rider=request.rider, report=report, round=seen):
                messages.info(request, _("You have already answered. Thank you!"))
            else:
                messages.info(request, error.message)
            return redirect(url)
        messages.success(request, _checked_message(answer.report))
        return redirect(url)
    return _report_page(request, report, form)


# Refusals that mean there is nothing (any more) for this rider to answer: the page says so.
ANSWER_CLOSED = {"no_question", "not_reporter"}


@rider_required
@require_POST
def question_answer(request, public_id: str):
    """The reporter answers a department's question about their report (governance.services.
    question_answer): text and an optional photo. A rider who joined sees the question but
    cannot answer; anyone else gets 404, as on the report page."""
    report = selectors.report_for_rider(rider=request.rider, public_id=public_id)
    if report is None:
        raise Http404
    url = reverse("reports:detail", args=[report.public_id])
    form = QuestionAnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _report_page(request, report, answer_form=form)
    data = form.cleaned_data
    try:
        question = services.question_answer(
            rider=request.rider,
            report=report,
            text=data["text"],
            photo=data["photo"],
            position=data["position"],
        )
    except DomainError as error:
        if error.code in ANSWER_CLOSED:
            # A second submit (double tap, back button), or the question timed out meanwhile.
            messages.info(request, error.message)
            return redirect(url)
        form.add_error(ANSWER_ERROR_FIELDS.get(error.code), error.message)
        return _report_page(request, report, answer_form=form)
    messages.success(
        request,
        _("Thank you! %(department)s has your answer and works on report %(id)s again.")
        % {"department": question.department, "id": report.public_id},
    )
    return redirect(f"{url}#questions")  # the answer, among the questions asked


@rider_required
@require_GET
def reports_nearby(request):
    """The signed-in rider, while filing: open reports of a category near a point (no names)."""
    form = NearbyForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    nearby = selectors.open_reports_nearby(**form.cleaned_data)
    return JsonResponse(
        {
            "reports": [
                {
                    "id": report.public_id,
                    "status": report.get_status_display(),
                    "distance_m": round(distance),
                    "address": report.address,
                    "created_at": report.created_at.isoformat(),
                    "join_url": reverse("reports:join", args=[report.public_id]),
                }
                for report, distance in nearby
            ]
        }
    )


# Refusals about the rider's position are bad requests; the others conflict with the report.
JOIN_BAD_REQUEST = {"join_location_required", "join_location_invalid"}


@rider_required
@require_POST
def report_join(request, public_id: str):
    """The signed-in rider, standing at the place, joins an open report of the same problem
    instead of filing one. The phone posts where the rider stands (latitude, longitude)."""
    report = get_object_or_404(Report, public_id=public_id)
    form = JoinForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(
                _("The location is not valid. Try “Use my location” again."),
                code="join_location_invalid",
            )
        services.report_join(
            rider=request.rider,
            report=report,
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
        )
    except DomainError as error:
        if _wants_json(request):
            status = 400 if error.code in JOIN_BAD_REQUEST else 409
            return JsonResponse({"errors": {"__all__": [error.message]}}, status=status)
        messages.error(request, error.message)
        return redirect("reports:new")
    messages.success(
        request,
        _("Thank you! You joined report %(id)s and will be told when it is fixed.")
        % {"id": report.public_id},
    )
    url = reverse("reports:detail", args=[report.public_id])
    if _wants_json(request):
        return JsonResponse({"id": report.public_id, "redirect": url})
    return redirect(url)


def _photo_access(request, report: Report, *, joiners_too: bool) -> bool:
    """Whether the request may see the photo at all, and True when it is the reporter.

    The reporting rider; riders who joined only when `joiners_too` (the department's evidence
    of the fix, never the reporter's own photos); staff allowed to view reports. Others get
    404, not 403, so that nobody learns that someone else's report exists."""
    if not request.user.is_authenticated:
        raise Http404
    rider = getattr(request.user, "rider", None)
    filed = rider is not None and selectors.rider_filed(rider=rider, report=report)
    allowed = filed or (
        joiners_too and rider is not None and selectors.rider_follows(rider=rider, report=report)
    )
    if not allowed and not (
        request.user.is_staff and request.user.has_perm("governance.view_report")
    ):
        raise Http404
    return filed


def _serve_photo(request, report: Report, field, *, joiners_too: bool):
    _photo_access(request, report, joiners_too=joiners_too)
    return file_response(field, public=False, max_age=86400)


def _serve_street_photo(request, photo, *, thumb: bool, joiners_too: bool):
    """A report or evidence photo (issue 20): the reporter sees their own original (until the
    retention rule deletes it); anyone else, staff on these pages included (the dispatcher has
    the original in the admin), only the blurred copy, and no photo until it is made (404)."""
    filed = _photo_access(request, photo.report, joiners_too=joiners_too)
    own = filed and isinstance(photo, ReportPhoto)
    if own and photo.image:
        field = photo.thumbnail if thumb else photo.image
    else:
        field = photo.redacted_thumbnail if thumb else photo.redacted
    # The same URL changes from the original to the blurred copy when the original expires.
    return file_response(field, public=False, max_age=3600)


@require_GET
def report_photo(request, public_id: str, position: int, size: str = "full"):
    """One of the reporter's photos: the reporter and staff only (see _serve_photo)."""
    photo = get_object_or_404(
        ReportPhoto.objects.select_related("report"),
        report__public_id=public_id,
        position=position,
    )
    return _serve_street_photo(request, photo, thumb=size == "thumb", joiners_too=False)


@require_GET
def report_evidence(request, public_id: str, pk: int, size: str = "full"):
    """A department's evidence photo of the fix: also riders who joined (see _serve_photo)."""
    photo = get_object_or_404(
        EvidencePhoto.objects.select_related("report"), report__public_id=public_id, pk=pk
    )
    return _serve_street_photo(request, photo, thumb=size == "thumb", joiners_too=True)


def _staff_may_view(request) -> bool:
    return request.user.is_staff and request.user.has_perm("governance.view_report")


@require_GET
def answer_photo(request, public_id: str, pk: int, size: str = "full"):
    """The photo a rider added to their check of the fix: that rider and staff only (a joiner's
    photo is not the reporter's to see, nor the other way round); anyone else gets 404."""
    answer = get_object_or_404(FixAnswer, pk=pk, report__public_id=public_id)
    rider = getattr(request.user, "rider", None) if request.user.is_authenticated else None
    if not answer.photo or not (
        (rider is not None and answer.rider_id == rider.pk) or _staff_may_view(request)
    ):
        raise Http404
    return file_response(
        answer.thumbnail if size == "thumb" else answer.photo, public=False, max_age=86400
    )


@require_GET
def question_photo(request, public_id: str, position: int, size: str = "full"):
    """The photo the reporter sent with an answer to a department's question: the reporter and
    staff only (see _serve_photo)."""
    question = get_object_or_404(
        ReportQuestion.objects.select_related("report"),
        report__public_id=public_id,
        position=position,
    )
    if not question.photo:
        raise Http404
    field = question.thumbnail if size == "thumb" else question.photo
    return _serve_photo(request, question.report, field, joiners_too=False)
