"""Me → My data: the rider's export, correction requests and account closure. Who: the
signed-in rider, their own data only (riders.permissions.rider_required); another rider's
export is a 404."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.responses import content_disposition
from riders.permissions import rider_required

from . import selectors, services
from .forms import CONFIRM_WORD, CloseForm, CorrectionForm


def _page(request, *, form: CorrectionForm | None = None, status: int = 200):
    rider = request.rider
    return render(
        request,
        "mydata/index.html",
        {
            "rider": rider,
            "exports": selectors.exports_for(rider=rider),
            "corrections": selectors.corrections_for(rider=rider),
            "form": form or CorrectionForm(),
            "now": timezone.now(),
            "nav": "me",
        },
        status=status,
    )


@rider_required
@require_GET
def index(request):
    """The signed-in rider: their exports, correction requests, and the way to close."""
    return _page(request)


@rider_required
@require_POST
def export_request(request):
    """The signed-in rider asks for a copy of their data (built by a task)."""
    try:
        services.export_request(rider=request.rider)
    except services.MyDataError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("Your data is being prepared. We tell you in the inbox when it is ready.")
        )
    return redirect("mydata:index")


@rider_required
@require_GET
def export_download(request, pk: int):
    """The rider who asked for it, while it is offered; anyone else gets 404."""
    export = selectors.export_of(rider=request.rider, export_id=pk)
    if export is None:
        raise Http404
    if not export.is_downloadable():
        if export.status in (export.Status.READY, export.Status.EXPIRED):
            return render(request, "mydata/expired.html", {"nav": "me"}, status=410)
        raise Http404
    response = FileResponse(export.file.open("rb"), content_type="application/zip")
    name = f"riders-portal-data-{timezone.localtime(export.ready_at):%Y%m%d}.zip"
    response["Content-Disposition"] = content_disposition("attachment", name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@rider_required
@require_POST
def correction_request(request):
    """The signed-in rider asks the centre to correct a roster field of their own profile."""
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.correction_request_create(rider=request.rider, **form.cleaned_data)
        except services.MyDataError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Your request is sent to the service centre."))
            return redirect("mydata:index")
    return _page(request, form=form, status=400)


@rider_required
@require_http_methods(["GET", "POST"])
def close(request):
    """The signed-in rider closes their own account: what stands in the way first, then the
    confirmation word; closed, they are signed out."""
    rider = request.rider
    blockers = selectors.closure_blockers(rider=rider)
    form = CloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not blockers and form.is_valid():
            try:
                services.account_close(rider=rider)
            except services.ClosureRefused as refused:
                blockers = refused.ties or [refused.message]
                status = 409
            else:
                logout(request)
                return render(request, "mydata/closed.html", {})
        elif blockers:
            status = 409
    return render(
        request,
        "mydata/close.html",
        {
            "blockers": blockers,
            "form": form,
            "word": CONFIRM_WORD,
            "holdings": services.closure_plan(),
            "nav": "me",
        },
        status=status,
    )
