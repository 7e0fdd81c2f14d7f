"""A report in the workbench and what an officer does with it; the department's scorecard.

Who: an active officer (desk.permissions.officer_required). A report is found only among those
the officer's department leads or assists with (selectors.reports_worked_by): any other is a
404. Every action calls the service the department API calls (api/views.py), so a rule is
written once; the lead-only actions are refused to an assisting department by the same
services (409 not_lead in the API, the same message here)."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from api.serializers import signed_photo_url
from core.errors import DomainError
from core.photos import PhotoError
from governance import routing, selectors, services, workflow
from governance.models import (
    FixAnswer,
    Report,
    ReportAssist,
    ReportEvent,
    ReportQuestion,
    ReportStatus,
    ResponseTemplate,
)
from governance.scorecard import department_scorecard
from governance.scorecard_admin import ScorecardForm, scorecard_export
from merchants.geo import amap_link

from .permissions import officer_required
from .report_forms import (
    AcknowledgeForm,
    ActionForm,
    AskForm,
    CommentForm,
    EvidenceForm,
    RejectForm,
    ResolveForm,
    TransferForm,
    once_claim,
    once_release,
)

# What the lead department may do in each status (the state machine decides; this only says
# which forms to show). An assisting department comments and adds evidence only.
SHOWN_IN = {
    "acknowledge": (ReportStatus.ROUTED, ReportStatus.REOPENED),
    "ask": workflow.ASKABLE,
    "resolve": workflow.WORKING,
    "reject": workflow.WORKING,
    "transfer": workflow.WORKING,
    "evidence": workflow.WORKING,
    "comment": (*workflow.WORKING, ReportStatus.RESOLVED),
}


def _report(request: HttpRequest, public_id: str) -> Report:
    """The report with everything its page shows, in a fixed number of queries."""
    report = (
        selectors.reports_worked_by(department=request.officer.department)
        .select_related("category", "district", "department")
        .prefetch_related(
            "photos",
            "evidence",
            Prefetch("answers", queryset=FixAnswer.objects.order_by("round", "created_at")),
            Prefetch(
                "questions",
                queryset=ReportQuestion.objects.select_related("department").order_by("position"),
            ),
            Prefetch(
                "events",
                queryset=ReportEvent.objects.select_related("department").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch("assists", queryset=ReportAssist.objects.select_related("department")),
        )
        .filter(public_id=public_id)
        .first()
    )
    if report is None:
        raise Http404
    return report


@dataclass
class Countdown:
    minutes: int  # left (negative: overdue by)
    paused: bool

    @property
    def overdue(self) -> bool:
        return self.minutes < 0

    @property
    def level(self) -> str:
        """green, amber (the last quarter of the closure time) or red (overdue)."""
        if self.overdue:
            return "red"
        return "amber" if self.minutes <= self.amber_after else "green"

    amber_after: int = 0

    @property
    def text(self) -> str:
        hours, minutes = divmod(abs(self.minutes), 60)
        if self.overdue:
            return _("overdue by %(hours)d h %(minutes)d min") % {
                "hours": hours,
                "minutes": minutes,
            }
        return _("%(hours)d h %(minutes)d min left") % {"hours": hours, "minutes": minutes}


def countdown(report: Report, now: dt.datetime) -> Countdown | None:
    if report.due_at is None or report.status not in workflow.WORKING:
        return None
    # While waiting for the rider the clock stands where it stopped.
    at = report.paused_at if report.status == ReportStatus.WAITING and report.paused_at else now
    left = int((report.due_at - at).total_seconds() // 60)
    total = routing.hours_for(report.category, report.priority, report.district_id) * 60
    return Countdown(
        minutes=left,
        paused=report.status == ReportStatus.WAITING,
        amber_after=int(total * (1 - workflow.WARNING_SHARE)),
    )


def _forms(request: HttpRequest, report: Report, bound: ActionForm | None = None) -> dict:
    """A fresh form for each action the officer may take now; `bound` (one that failed)
    replaces its fresh one, so what was typed is kept with its errors."""
    department = request.officer.department
    lead = report.department_id == department.pk
    templates = ResponseTemplate.objects.usable_by(department, category=report.category).order_by(
        "sort_order", "id"
    )
    template = None
    if isinstance(bound, ResolveForm):
        template = bound.template
    elif (chosen := request.GET.get("template", "")).isdigit():
        template = templates.filter(pk=chosen).first()
    forms: dict[str, ActionForm] = {}
    if lead:
        forms["acknowledge"] = AcknowledgeForm()
        forms["ask"] = AskForm()
        forms["resolve"] = ResolveForm(template=template)
        forms["reject"] = RejectForm()
        forms["transfer"] = TransferForm(
            departments=selectors.departments_for_transfer(department=department)
        )
    forms["comment"] = CommentForm()
    forms["evidence"] = EvidenceForm()
    shown = {name: form for name, form in forms.items() if report.status in SHOWN_IN[name]}
    refusals: list[str] = []
    if bound is not None and bound.prefix in forms:
        shown[bound.prefix] = bound
    elif bound is not None:  # a lead-only form posted by an assisting department
        refusals = list(bound.non_field_errors())
    return {"forms": shown, "templates": templates, "template": template, "refusals": refusals}


def _page(request: HttpRequest, report: Report, bound: ActionForm | None = None, status=200):
    department = request.officer.department
    photos = [
        {
            "url": signed_photo_url(request, "report", photo.pk, "full"),
            "thumbnail_url": signed_photo_url(request, "report", photo.pk, "thumb"),
        }
        for photo in report.photos.all()
    ]
    evidence = [
        {
            "url": signed_photo_url(request, "evidence", photo.pk, "full"),
            "thumbnail_url": signed_photo_url(request, "evidence", photo.pk, "thumb"),
        }
        for photo in report.evidence.all()
    ]
    questions, checks = list(report.questions.all()), list(report.answers.all())
    for kind, items in (("question", questions), ("answer", checks)):
        for item in items:  # the rider's photo with an answer or a check, if any
            item.photo_url = signed_photo_url(request, kind, item.pk, "full") if item.photo else ""
    context = {
        "report": report,
        "lead": report.department_id == department.pk,
        "reporter": services.reporter_pseudonym(
            rider_id=report.rider_id, department_id=department.pk
        ),
        "photos": photos,
        "evidence": evidence,
        "map_link": amap_link(report.latitude, report.longitude, report.public_id)
        if report.latitude is not None and report.longitude is not None
        else "",
        "countdown": countdown(report, timezone.now()),
        "assists": [assist.department for assist in report.assists.all()],
        "transfer": selectors.pending_transfer(report=report),
        "questions": questions,
        "checks": checks,
        "events": list(report.events.all()),
        **_forms(request, report, bound),
    }
    return render(request, "desk/report.html", context, status=status)


@require_GET
@officer_required
def report_view(request: HttpRequest, public_id: str) -> HttpResponse:
    return _page(request, _report(request, public_id))


def _act(
    request: HttpRequest,
    report: Report,
    form: ActionForm,
    act,
    *,
    done: str,
    mapping=None,
    lead_only: bool = True,
):
    """Run one action: parse, claim the form's token, call the service; a refusal is shown on
    the page with the form kept (422), a success or a repeat goes back to the report. `act`
    may return (message, url) to say something else and go elsewhere."""
    if not form.is_valid():
        return _page(request, report, form, status=422)
    if not once_claim(form.sent_once):
        messages.info(request, _("This was already done: the page shows where the report is now."))
        return redirect("desk:report", public_id=report.public_id)
    try:
        if lead_only and report.department_id != request.officer.department_id:
            raise services.not_lead()  # as the API refuses it (409 not_lead)
        with transaction.atomic():  # several writes (resolution and photos): all or none
            outcome = act(form.cleaned_data)
    except (DomainError, Report.DoesNotExist) as error:
        once_release(form.sent_once)
        if isinstance(error, Report.DoesNotExist):
            raise Http404 from None
        fields = getattr(error, "fields", None)
        if isinstance(error, PhotoError):
            fields = {"photo": [error.message]}
        if fields:
            form.errors_from(fields, mapping or {})
        form.add_error(None, error.message)
        return _page(request, _report(request, report.public_id), form, status=422)
    if isinstance(outcome, tuple):
        done, url = outcome
        messages.success(request, done)
        return redirect(url)
    messages.success(request, done)
    return redirect("desk:report", public_id=report.public_id)


@require_POST
@officer_required
def acknowledge_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department
    return _act(
        request,
        report,
        AcknowledgeForm(request.POST),
        lambda data: workflow.acknowledge(
            report, department=department, actor=request.user, note=data["note"]
        ),
        done=_("Acknowledged: the rider sees that your department has it."),
    )


@require_POST
@officer_required
def ask_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department
    return _act(
        request,
        report,
        AskForm(request.POST),
        lambda data: services.report_ask(
            report=report, department=department, question=data["question"], actor=request.user
        ),
        done=_("Asked: the clock is paused until the rider answers."),
    )


@require_POST
@officer_required
def resolve_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department
    chosen = request.POST.get("resolve-template", "")
    template = ResponseTemplate.objects.filter(pk=chosen).first() if chosen.isdigit() else None
    usable = template is not None and template.is_usable_by(department, report.category)
    # The blanks of a template it may use; any other is refused by template_fill below.
    form = ResolveForm(request.POST, request.FILES, template=template if usable else None)

    def act(data: dict) -> None:
        parts = []
        if data["template"] is not None:
            parts.append(
                services.template_fill(
                    template=template,
                    department=department,
                    category=report.category,
                    fields=form.blanks(),
                )
            )
        if data["note"].strip():
            parts.append(data["note"].strip())
        photos = data["photos"]
        # The extra photos first, while the report is worked on; the resolution takes the
        # first (services.report_resolve). One transaction: a refusal writes none of them.
        for photo in photos[1:]:
            services.report_evidence_add(
                report=report, department=department, photo=photo, actor=request.user
            )
        services.report_resolve(
            report=report,
            department=department,
            reply="\n".join(parts),
            photo=photos[0] if photos else None,
            actor=request.user,
        )

    return _act(
        request,
        report,
        form,
        act,
        done=_("Resolved: the rider is asked to check the fix."),
        mapping={"photo": "photos", "template": ""},
    )


@require_POST
@officer_required
def reject_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department
    return _act(
        request,
        report,
        RejectForm(request.POST),
        lambda data: workflow.reject(
            report,
            department=department,
            grounds=data["grounds"],
            reason=data["note"],
            actor=request.user,
        ),
        done=_("Sent back to the dispatcher."),
    )


@require_POST
@officer_required
def transfer_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department
    form = TransferForm(
        request.POST, departments=selectors.departments_for_transfer(department=department)
    )

    def act(data: dict):
        transfer = services.transfer_request(
            report=report,
            department=department,
            to_department=data["department"],
            reason=data["reason"],
            by=request.user,
        )
        if transfer.by_rule:
            # Handed over at once: the report is no longer this department's to open.
            done = _("Transferred to %(department)s.") % {"department": transfer.to_department}
            return done, reverse("desk:queue")
        return None

    return _act(
        request,
        report,
        form,
        act,
        done=_("Transfer requested: the dispatcher decides."),
        mapping={"department": "department", "reason": "reason"},
    )


@require_POST
@officer_required
def comment_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department
    return _act(
        request,
        report,
        CommentForm(request.POST),
        lambda data: services.report_comment(
            report=report, department=department, text=data["text"], actor=request.user
        ),
        done=_("Comment posted."),
        lead_only=False,
    )


@require_POST
@officer_required
def evidence_view(request: HttpRequest, public_id: str) -> HttpResponse:
    report = _report(request, public_id)
    department = request.officer.department

    def act(data: dict) -> None:
        for photo in data["photos"]:
            services.report_evidence_add(
                report=report, department=department, photo=photo, actor=request.user
            )

    return _act(
        request,
        report,
        EvidenceForm(request.POST, request.FILES),
        act,
        done=_("Photos added."),
        mapping={"photo": "photos"},
        lead_only=False,
    )


# --- The department's scorecard ------------------------------------------------------------


def _month(request: HttpRequest, *, say: bool = True) -> tuple[dt.date, dt.date]:
    """?month=YYYY-MM (the admin scorecard's rule), else this month; a bad value says so."""
    form = ScorecardForm({"month": request.GET.get("month", "")})
    if not form.is_valid() and say:
        messages.warning(
            request,
            _("“%(value)s” is not a month we can show (%(problem)s); this month is shown.")
            % {"value": request.GET.get("month", ""), "problem": " ".join(form.errors["month"])},
        )
    return form.period()


@require_GET
@officer_required
def scorecard_view(request: HttpRequest) -> HttpResponse:
    start, end = _month(request)
    rows = department_scorecard(start=start, end=end, department=request.officer.department)
    context = {
        "row": rows[0] if rows else None,
        "start": start,
        "end": end,
        "month": f"{start:%Y-%m}",
        "previous": f"{start - dt.timedelta(days=1):%Y-%m}",
        "next": f"{end + dt.timedelta(days=1):%Y-%m}",
        "nav": "scorecard",
    }
    return render(request, "desk/scorecard.html", context)


@require_GET
@officer_required
def scorecard_export_view(request: HttpRequest) -> HttpResponse:
    start, end = _month(request, say=False)  # a file: no page to say it on
    return scorecard_export(start=start, end=end, department=request.officer.department)
