"""The workbench's own pages: signing in (password, then the authenticator's code), signing out,
the department's queue and assigning a report. The report page and the scorecard are in
desk/report_views.py. Views parse, call one service or selector, render."""

import datetime as dt
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import network, staff_auth
from core.errors import DomainError
from core.maps import desk_tile_map
from core.models import District
from core.otp_views import TokenForm
from governance.selectors import reports_worked_by
from governance.services import (
    OfficerSMSRefused,
    officer_display_name,
    officer_sms_code_send,
    officer_sms_code_verify,
    report_assign,
    reporter_pseudonym,
)
from riders.models import mask_phone

from . import selectors
from .forms import AssignForm, QueueFilterForm, SignInForm, SMSCodeForm
from .permissions import officer_of, officer_required

PAGE_SIZE = 50
# Between the password and the code: whose password was right, and when (the code step must
# follow within this many seconds, or the password again).
SESSION_PENDING = "desk_sign_in_pending"
PENDING_SECONDS = 300


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("desk:queue")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# --- Signing in ------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    """The password step. django-axes counts the failures (core/staff_auth.py); nobody is
    signed in until the authenticator's code is entered too (sign_in_code)."""
    next_url = _next_url(request)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error(None, _("That username and password do not match. Try again."))
        elif officer_of(user) is None:
            form.add_error(
                None, _("This account is not an officer of an active department's workbench.")
            )
        else:
            request.session[SESSION_PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
            }
            return redirect(_with_next("desk:sign_in_code", next_url))
    return render(
        request,
        "desk/sign_in.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


def _pending_user(request):
    pending = request.session.get(SESSION_PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending.get("backend")


def _signed_in(request, user, backend: str):
    """Both steps passed: sign in for a working day (STAFF_SESSION_SECONDS, however active)."""
    request.session.pop(SESSION_PENDING, None)
    login(request, user, backend=backend)
    request.session[staff_auth.SESSION_STAFF_SIGNED_IN_AT] = int(time.time())
    request.session.set_expiry(
        timezone.now() + dt.timedelta(seconds=settings.STAFF_SESSION_SECONDS)
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    """The second step: the code of the officer's authenticator (the staff TOTP of
    core/staff_auth.py), or setting one up when self-enrolment is on."""
    next_url = _next_url(request)
    user, backend = _pending_user(request)
    if user is None or officer_of(user) is None:
        messages.warning(request, _("Sign in with your password first."))
        return redirect(_with_next("desk:sign_in", next_url))
    officer = officer_of(user)
    device = staff_auth.two_factor_device(user=user)
    enrol = device is None
    if enrol and not settings.STAFF_2FA_SELF_ENROL:
        if officer.phone:
            return redirect(_with_next("desk:sign_in_sms", next_url))
        return render(request, "desk/sign_in_no_device.html", status=403)
    if enrol:
        device = staff_auth.two_factor_enrol_start(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # core.staff_auth checks the code against request.user's own device: the officer is
        # not signed in yet, so they are named for the check only.
        request.user = user
        check = staff_auth.two_factor_enrol_confirm if enrol else staff_auth.two_factor_verify
        try:
            check(request=request, device=device, token=form.cleaned_data["token"])
        except staff_auth.TwoFactorRefused as refused:
            request.user = AnonymousUser()
            form.add_error("token", refused.message)
        else:
            _signed_in(request, user, backend)
            return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "enrol": enrol,
        "sms_phone": mask_phone(officer.phone) if officer.phone else "",
    }
    if enrol:
        context.update(
            qr_svg=staff_auth.qr_code_svg(device.config_url),
            secret=staff_auth.base32_secret(device),
        )
    return render(request, "desk/sign_in_code.html", context, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_sms(request):
    """The second step by SMS, for an officer with a mobile on file (Officer.phone) and no
    authenticator at hand: a POST with `send` texts a code (governance.services), a POST with
    the code signs in. GET only shows the page: nothing is sent without the officer asking."""
    next_url = _next_url(request)
    user, backend = _pending_user(request)
    officer = officer_of(user) if user is not None else None
    if officer is None:
        messages.warning(request, _("Sign in with your password first."))
        return redirect(_with_next("desk:sign_in", next_url))
    form = SMSCodeForm()
    send_error = ""
    status = 200
    if request.method == "POST" and "send" in request.POST:
        try:
            sent_to = officer_sms_code_send(officer=officer, client_ip=network.client_ip(request))
        except OfficerSMSRefused as refused:
            send_error = refused.message
            status = 400 if refused.code == "no_phone" else 429
        else:
            messages.success(request, _("A code is on its way to %(phone)s.") % {"phone": sent_to})
    elif request.method == "POST":
        form = SMSCodeForm(request.POST)
        if form.is_valid():
            try:
                device = officer_sms_code_verify(officer=officer, token=form.cleaned_data["token"])
            except OfficerSMSRefused as refused:
                form.add_error("token", refused.message)
            else:
                staff_auth.mark_verified(request.session, device)
                _signed_in(request, user, backend)
                return redirect(next_url)
        status = 400
    return render(
        request,
        "desk/sign_in_sms.html",
        {
            "form": form,
            "send_error": send_error,
            "next": next_url,
            "sms_phone": mask_phone(officer.phone) if officer.phone else "",
            "minutes": settings.SIGN_IN_CODE_TTL_SECONDS // 60,
            "has_app": staff_auth.two_factor_device(user=user) is not None
            or settings.STAFF_2FA_SELF_ENROL,
        },
        status=status,
    )


@require_POST
def sign_out(request):
    logout(request)
    return redirect("desk:sign_in")


# --- The queue -------------------------------------------------------------------------------
def _duration(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes >= 48 * 60:
        return _("%(n)s d") % {"n": minutes // (24 * 60)}
    if minutes >= 60:
        return _("%(h)s h %(m)s min") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(m)s min") % {"m": minutes}


def _clock_text(clock: selectors.Countdown) -> str:
    if clock.left is None:
        return _("No deadline")
    seconds = clock.left.total_seconds()
    if clock.state == "paused":
        return _("Paused, %(left)s left") % {"left": _duration(seconds)}
    if clock.state == "red":
        return _("Overdue by %(late)s") % {"late": _duration(-seconds)}
    return _("%(left)s left") % {"left": _duration(seconds)}


@never_cache
@officer_required
@require_http_methods(["GET"])
def queue(request):
    officer = request.officer
    department = officer.department
    form = QueueFilterForm(request.GET or None)
    form.fields["district"].queryset = District.objects.filter(city_id=department.city_id).order_by(
        "code"
    )
    chosen = form.filters()
    reports = selectors.queue_reports(
        department=department,
        status=chosen.get("status", ""),
        category=chosen.get("category"),
        district=chosen.get("district"),
        overdue=chosen.get("overdue", False),
        assignee=request.user if chosen.get("mine") else None,
        number=chosen.get("q", ""),
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "report": report,
            "clock": (clock := selectors.countdown(report, now=now)),
            "clock_text": _clock_text(clock),
            "reporter": reporter_pseudonym(rider_id=report.rider_id, department_id=department.pk),
            "assisting": report.department_id != department.pk,
            "assignee": officer_display_name(report.assignee) if report.assignee else "",
            "mine": report.assignee_id == request.user.pk,
        }
        for report in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "queue",
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "here": request.get_full_path(),
        "map": desk_tile_map(),
    }
    if officer.is_head:
        context["team"] = team = selectors.team_load(department=department)
        context["team_options"] = [(o.user_id, officer_display_name(o.user)) for o, _n in team]
    return render(request, "desk/queue.html", context)


@officer_required
@require_POST
def assign(request, public_id: str):
    """Assign a report of the queue (a head: to anyone of the team; an officer: to themselves).
    The same choice twice changes nothing (governance.services.report_assign)."""
    report = get_object_or_404(
        reports_worked_by(department=request.officer.department), public_id=public_id
    )
    back = _next_url(request)
    # One form around the whole queue (one CSRF token for 50 rows): a row's button posts here
    # with `assignee` (`assignee-<number>`: a head's per-row select of before, still taken).
    value = request.POST.get("assignee", request.POST.get(f"assignee-{public_id}"))
    form = AssignForm({"assignee": value})
    if value is None or not form.is_valid():
        messages.error(request, _("Choose an officer from the list."))
        return redirect(back)
    assignee_id = form.cleaned_data["assignee"]
    assignee = None
    if assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=assignee_id).first()
        if assignee is None:
            messages.error(request, _("Assign the report to an active officer of its department."))
            return redirect(back)
    try:
        report_assign(report=report, assignee=assignee, by=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        if assignee is None:
            messages.success(request, _("Report %(id)s is no longer assigned.") % {"id": public_id})
        else:
            messages.success(
                request,
                _("Report %(id)s is assigned to %(name)s.")
                % {"id": public_id, "name": officer_display_name(assignee)},
            )
    return redirect(back)


MAX_ASSIGN_AT_ONCE = PAGE_SIZE


@officer_required
@require_POST
def assign_many(request):
    """A head's queue: the ticked reports (`reports`, one page at most) to one officer or to
    nobody (`assignee`). One select for the page instead of one per row keeps the page's
    weight independent of the team's size. Each report goes through report_assign, so its
    rules (the head's call, open reports of the lead department) hold for each; a report of
    another department is not found and named as such."""
    back = _next_url(request)
    numbers = list(dict.fromkeys(request.POST.getlist("reports")))
    form = AssignForm({"assignee": request.POST.get("assignee")})
    if not numbers:
        messages.error(request, _("Tick the reports to assign first."))
        return redirect(back)
    if len(numbers) > MAX_ASSIGN_AT_ONCE or not form.is_valid():
        messages.error(request, _("Choose an officer from the list."))
        return redirect(back)
    assignee_id = form.cleaned_data["assignee"]
    assignee = None
    if assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=assignee_id).first()
        if assignee is None:
            messages.error(request, _("Assign the report to an active officer of its department."))
            return redirect(back)
    found = {
        report.public_id: report
        for report in reports_worked_by(department=request.officer.department).filter(
            public_id__in=numbers
        )
    }
    done = []
    for number in numbers:
        report = found.get(number)
        if report is None:
            messages.error(
                request, _("Report %(id)s is not in your department's queue.") % {"id": number}
            )
            continue
        try:
            report_assign(report=report, assignee=assignee, by=request.user)
        except DomainError as refused:
            messages.error(request, f"{number}: {refused.message}")
        else:
            done.append(number)
    if done and assignee is None:
        messages.success(
            request,
            _("No longer assigned: %(ids)s.") % {"ids": ", ".join(done)},
        )
    elif done:
        messages.success(
            request,
            _("Assigned to %(name)s: %(ids)s.")
            % {"name": officer_display_name(assignee), "ids": ", ".join(done)},
        )
    return redirect(back)
