"""Dispatchers' admin: the dispatch queue, its actions, supervision (督办) of reports the riders
said are not fixed, the riders' checks of fixes, and the closure dashboard.

Every status change goes through governance.workflow, exactly as the API and the router do.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Now
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.responses import file_response
from core.tenancy import city_filter

from . import scorecard_admin, selectors, services, workflow
from .admin_city import admin_city_id
from .models import (
    WITH_DEPARTMENT,
    Category,
    CityCategory,
    Department,
    FixAnswer,
    Officer,
    Priority,
    Report,
    ReportAssist,
    ReportEvent,
    ReportPhoto,
    ReportQuestion,
    ReportStatus,
    ResponseTemplate,
    Role,
    RoutingRule,
    TransferRequest,
    TransferRule,
)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "sort_order")
    search_fields = ("name", "name_en", "code")


# The category's page: its deadlines by priority together (issue 14). Empty urgent / low hours
# take REPORT_URGENT_HOURS / REPORT_LOW_HOURS, kept on the right side of the normal deadline.
CATEGORY_FIELDSETS = (
    (None, {"fields": ("role", "code", "name", "name_en", "is_active", "sort_order")}),
    (
        gettext_lazy("Deadlines by priority"),
        {
            "fields": ("default_priority", "closure_hours", "urgent_hours", "low_hours"),
            "description": gettext_lazy(
                "New reports get the default priority; the dispatcher may change it. Empty "
                "urgent or low hours take the city's defaults, never slower than normal for "
                "urgent, never faster for low."
            ),
        },
    ),
    (gettext_lazy("Rewards"), {"fields": ("cash_reward", "points_reward")}),
    (gettext_lazy("Duplicates"), {"fields": ("duplicate_radius_m", "duplicate_window_hours")}),
    (gettext_lazy("Resolution"), {"fields": ("min_reply_chars", "evidence_required")}),
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_en",
        "role",
        "closure_hours",
        "default_priority",
        "cash_reward",
        "points_reward",
        "duplicate_radius_m",
        "duplicate_window_hours",
        "min_reply_chars",
        "evidence_required",
        "is_active",
    )
    list_filter = ("role", "evidence_required", "is_active", "default_priority")
    search_fields = ("name", "name_en", "code")
    list_select_related = ("role",)
    # What a resolution must carry (issue 14) is tuned here, next to the deadline it is held to.
    list_editable = ("min_reply_chars", "evidence_required", "is_active")
    fieldsets = CATEGORY_FIELDSETS


@admin.register(CityCategory)
class CityCategoryAdmin(CityScopedAdmin):
    """How each city runs a category (issue 19): offered or not, its own deadline and rewards
    (empty: the category's). A city's admin keeps their city's rows."""

    list_display = (
        "category",
        "city",
        "is_enabled",
        "closure_hours",
        "cash_reward",
        "points_reward",
    )
    list_filter = ("is_enabled", "category__role", "category")
    list_editable = ("is_enabled",)
    search_fields = ("category__name", "category__name_en", "category__code")
    list_select_related = ("category", "city")
    ordering = ("city", "category__role__sort_order", "category__sort_order")


@admin.register(Department)
class DepartmentAdmin(CityScopedAdmin):
    list_display = ("name", "name_en", "code", "city", "is_active")
    list_filter = ("city", "is_active")
    search_fields = ("name", "name_en", "code")
    list_select_related = ("city",)


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(CityScopedAdmin):
    """The replies departments send often (issue 14); the body is checked for plain `{name}`
    placeholders by the model's clean()."""

    list_display = ("title", "department", "category", "body", "is_active", "sort_order")
    list_filter = ("department", "category", "is_active")
    search_fields = ("title", "body", "department__name", "category__name")
    list_select_related = ("department", "category")
    list_editable = ("is_active", "sort_order")
    autocomplete_fields = ("department",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(CityScopedAdmin):
    list_display = ("category", "city", "district", "department")
    list_filter = ("category__role", "category", "district", "department")
    search_fields = ("category__name", "category__name_en", "department__name", "district__name")
    list_select_related = ("category", "city", "district", "department")
    autocomplete_fields = ("department",)


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", gettext_lazy("Overdue")),
            ("amber", gettext_lazy("Deadline approaching")),
            ("on_time", gettext_lazy("On time")),
        ]

    def queryset(self, request, queryset):
        open_with_department = queryset.filter(status__in=WITH_DEPARTMENT)
        if self.value() == "overdue":
            return open_with_department.filter(is_overdue=True)
        if self.value() == "amber":
            return open_with_department.filter(is_overdue=False, warned_at__isnull=False)
        if self.value() == "on_time":
            return open_with_department.filter(warned_at__isnull=True)
        return queryset


class CheckFilter(admin.SimpleListFilter):
    """The closed loop's queue: reports the riders said are not fixed, and those the centre
    must decide on (督办)."""

    title = gettext_lazy("the rider's check")
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [
            ("supervision", gettext_lazy("Under supervision: the centre decides")),
            ("reopened", gettext_lazy("Reopened: with the department again")),
            ("waiting", gettext_lazy("Resolved, waiting for the rider's check")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "supervision":
            return queryset.filter(status=ReportStatus.SUPERVISION)
        if self.value() == "reopened":
            # Acknowledged again after a reopen is still a reopened report being worked.
            return queryset.filter(status__in=WITH_DEPARTMENT, reopen_count__gte=1)
        if self.value() == "waiting":
            return queryset.filter(status=ReportStatus.RESOLVED)
        return queryset


class DispatchActionForm(ActionForm):
    department = forms.ModelChoiceField(
        label=gettext_lazy("to department"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
    )
    original = forms.CharField(
        label=gettext_lazy("original report number"), max_length=12, required=False
    )
    reason = forms.CharField(label=gettext_lazy("reason / note"), max_length=500, required=False)
    priority = forms.TypedChoiceField(
        label=gettext_lazy("priority"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        required=False,
    )


class ReportPhotoInline(CityScopedInline, admin.TabularInline):
    model = ReportPhoto
    extra = 0
    can_delete = False
    fields = ("preview", "position", "width", "height")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("photo"))
    def preview(self, photo: ReportPhoto) -> str:
        # The original, which the dispatcher may see (issue 20), and the redact tool.
        url = reverse("admin:governance_reportphoto_original", args=[photo.pk])
        tool = reverse("admin:governance_reportphoto_redact", args=[photo.pk])
        return format_html(
            '<a href="{}"><img src="{}" width="120" alt=""></a><br><a href="{}">{}</a>',
            url,
            url,
            tool,
            _("Redact regions"),
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _status_label(value: str) -> str:
    if value in ReportStatus.values:
        return ReportStatus(value).label
    return value or "—"


class ReportEventInline(CityScopedInline, admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "kind",
        "from_status_label",
        "to_status_label",
        "department",
        "actor",
        "text",
        "public",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")

    # The columns store a ReportStatus value without `choices` (events only record what the
    # workflow did): shown here by the status's label in the reader's language.
    @admin.display(description=gettext_lazy("from status"))
    def from_status_label(self, event: ReportEvent) -> str:
        return _status_label(event.from_status)

    @admin.display(description=gettext_lazy("to status"))
    def to_status_label(self, event: ReportEvent) -> str:
        return _status_label(event.to_status)

    @admin.display(description=gettext_lazy("note"))
    def text(self, event: ReportEvent) -> str:
        # The system note in the reading admin's language, then what a person typed.
        return event.text

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def answer_photo(answer: FixAnswer) -> str:
    """The rider's photo of the fix, as a thumbnail linked to the full photo (staff only)."""
    if not answer.photo:
        return "—"
    url = reverse("admin:governance_fixanswer_photo", args=[answer.pk])
    thumb = reverse("admin:governance_fixanswer_photo_thumb", args=[answer.pk])
    return format_html('<a href="{}"><img src="{}" width="120" alt=""></a>', url, thumb)


def answer_rider(answer: FixAnswer) -> str:
    # A pseudonym, as everywhere in the queue; the reporter's answer is the one that decides.
    if answer.rider_id == answer.report.rider_id:
        return _("#%(id)s (reporter)") % {"id": answer.rider_id}
    return _("#%(id)s (joined)") % {"id": answer.rider_id}


class FixAnswerInline(CityScopedInline, admin.TabularInline):
    """The riders' checks of each resolution, which the centre's supervision is decided on."""

    model = FixAnswer
    extra = 0
    can_delete = False
    fields = (
        "round",
        "rider_label",
        "outcome",
        "satisfaction",
        "comment",
        "photo_preview",
        "by_default",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("round", "created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report")

    @admin.display(description=gettext_lazy("rider"))
    def rider_label(self, answer: FixAnswer) -> str:
        return answer_rider(answer)

    @admin.display(description=gettext_lazy("photo"))
    def photo_preview(self, answer: FixAnswer) -> str:
        return answer_photo(answer)

    # What a rider said is never edited, added or removed by staff.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- Transfer (转办) and joint handling (联办), issue 14 ---------------------------------------


class TransferRequestedFilter(admin.SimpleListFilter):
    """Reports a department asked to hand over, waiting for the dispatcher's decision."""

    title = gettext_lazy("transfer requested")
    parameter_name = "transfer"

    def lookups(self, request, model_admin):
        return [
            ("pending", gettext_lazy("Waiting for the dispatcher")),
            ("overdue", gettext_lazy("Waiting past its decision time")),
        ]

    def queryset(self, request, queryset):
        # One pending request per report (transfer_one_pending): the join adds no rows.
        if self.value() == "pending":
            return queryset.filter(transfers__status=TransferRequest.Status.PENDING)
        if self.value() == "overdue":
            return queryset.filter(
                transfers__status=TransferRequest.Status.PENDING,
                transfers__decide_by__lt=timezone.now(),
            )
        return queryset


def transfer_due(transfer: TransferRequest) -> str:
    """The decision time, marked red once a waiting request is past it."""
    if transfer.status != TransferRequest.Status.PENDING:
        return "—"
    label = timezone.localtime(transfer.decide_by).strftime("%m-%d %H:%M")
    if transfer.decide_by < timezone.now():
        colour, label = "red", _("%(time)s overdue") % {"time": label}
    else:
        colour = "green"
    return format_html('<span class="countdown countdown--{}">{}</span>', colour, label)


class TransferRequestInline(CityScopedInline, admin.TabularInline):
    """The report's transfer requests; decided in the transfer requests' admin."""

    model = TransferRequest
    extra = 0
    can_delete = False
    fields = (
        "requested_at",
        "from_department",
        "to_department",
        "reason",
        "status",
        "due",
        "by_rule",
        "decided_by",
        "decision_note",
    )
    readonly_fields = fields
    ordering = ("requested_at", "id")

    @admin.display(description=gettext_lazy("decision due by"))
    def due(self, transfer: TransferRequest) -> str:
        return transfer_due(transfer)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReportAssistInline(CityScopedInline, admin.TabularInline):
    """The assisting departments; added and removed with the list's actions (the services
    write the timeline and tell the department's webhook)."""

    model = ReportAssist
    extra = 0
    can_delete = False
    fields = ("department", "added_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def overdue_first():
    """An ordering term that puts the overdue reports first: open with a department and
    flagged by the deadline sweep, or past their deadline before the sweep's next run (the
    countdown column shows both red). A paused report (waiting) is late only once flagged:
    its deadline moves on when the clock resumes."""
    running = [status for status in WITH_DEPARTMENT if status != ReportStatus.WAITING]
    late = Q(status__in=WITH_DEPARTMENT, is_overdue=True) | Q(status__in=running, due_at__lt=Now())
    return ExpressionWrapper(late, output_field=BooleanField()).desc()


@admin.register(Report)
class ReportAdmin(CityScopedAdmin):
    """The dispatch queue. Riders' phone numbers never appear here."""

    list_display = (
        "public_id",
        "priority_badge",
        "category",
        "district",
        "status",
        "department",
        "countdown",
        "reopen_count",
        "created_at",
    )
    list_filter = (
        "status",
        "priority",
        CheckFilter,
        OverdueFilter,
        TransferRequestedFilter,
        ("validated_at", admin.EmptyFieldListFilter),
        "department",
        "category__role",
        "category",
        "district",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=public_id", "address")
    search_help_text = gettext_lazy("Report number, or part of the address.")
    list_select_related = ("category", "district", "department")
    show_full_result_count = False
    list_per_page = 50
    date_hierarchy = "created_at"
    action_form = DispatchActionForm
    actions = [
        "reroute",
        "redo",
        "close",
        "mark_duplicate",
        "close_invalid",
        "validate",
        "prioritise",
        "assist_add",
        "assist_remove",
    ]
    inlines = [
        ReportPhotoInline,
        FixAnswerInline,
        TransferRequestInline,
        ReportAssistInline,
        ReportEventInline,
    ]
    # What the rider filed, then what the workflow has done with it (the fields only
    # governance.workflow writes, in the model's order; next_check_at is the sweep's own
    # bookkeeping). Nothing here is edited by hand: the actions below change reports.
    readonly_fields = (
        "public_id",
        "rider_pseudonym",
        "department_pseudonym",
        "category",
        "description",
        "district",
        "latitude",
        "longitude",
        "address",
        "location_approximate",
        "created_at",
        *(
            field.name
            for field in Report._meta.fields
            if field.name in workflow.WORKFLOW_FIELDS and field.name != "next_check_at"
        ),
        "supporter_count",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # riders file reports; the admin works them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # nothing is lost: close as invalid instead

    @admin.display(description=gettext_lazy("reporter"))
    def rider_pseudonym(self, report: Report) -> str:
        return f"#{report.rider_id}"

    @admin.display(description=gettext_lazy("reporter as the department sees it"))
    def department_pseudonym(self, report: Report) -> str:
        """The same pseudonym the department's API shows, so dispatcher and department can
        talk about "this reporter" while the department still cannot tell who it is."""
        if report.department_id is None:
            return "—"
        return services.reporter_pseudonym(
            rider_id=report.rider_id, department_id=report.department_id
        )

    @admin.display(description=gettext_lazy("deadline"), ordering="due_at")
    def countdown(self, report: Report) -> str:
        if report.due_at is None or not report.is_open:
            return "—"
        left = report.due_at - timezone.now()
        hours = left.total_seconds() / 3600
        if hours < 0:
            colour, label = "red", _("%(hours).1f h overdue") % {"hours": -hours}
        elif report.is_overdue:
            # Went overdue and then got a later deadline (a pause, an extension): the flag
            # stays for the record, the time left is the new deadline's.
            colour, label = "red", _("overdue, now %(hours).1f h left") % {"hours": hours}
        else:
            total = (report.due_at - report.routed_at).total_seconds() / 3600
            colour = "amber" if hours <= total * (1 - workflow.WARNING_SHARE) else "green"
            label = _("%(hours).1f h left") % {"hours": hours}
        # Colours in static/css/admin.css: no style= attribute under the CSP.
        return format_html('<span class="countdown countdown--{}">{}</span>', colour, label)

    def _run(self, request, queryset: QuerySet, transition, success: str) -> None:
        run_each(self, request, queryset, transition, success, label=lambda r: r.public_id)

    # Every action changes reports: Django offers and runs them only with change_report.
    @admin.action(
        description=gettext_lazy("Re-route to the chosen department"), permissions=["change"]
    )
    def reroute(self, request, queryset) -> None:
        department = self._department_posted(request)
        if department is None:
            self.message_user(request, _("Choose the department to route to."), messages.ERROR)
            return
        note = request.POST.get("reason", "")
        self._run(
            request,
            queryset,
            lambda r: workflow.route(r, department=department, actor=request.user, note=note),
            ngettext("%(count)d report routed.", "%(count)d reports routed.", queryset.count()),
        )

    # Supervision (督办): besides re-routing and closing as invalid, the centre orders the
    # same department to redo it or closes it with a reason the rider reads.
    @admin.action(
        description=gettext_lazy("Order it redone by the same department"),
        permissions=["change"],
    )
    def redo(self, request, queryset) -> None:
        note = request.POST.get("reason", "").strip()
        self._run(
            request,
            queryset,
            lambda r: workflow.redo(r, actor=request.user, note=note),
            ngettext(
                "%(count)d report sent back to its department to redo.",
                "%(count)d reports sent back to their departments to redo.",
                queryset.count(),
            ),
        )

    def _reason(self, request) -> str | None:
        """The action bar's reason, required for the closing actions (the rider reads it)."""
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, _("Give the reason, the rider will see it."), messages.ERROR)
            return None
        return reason

    @admin.action(
        description=gettext_lazy("Close with a reason the rider reads"), permissions=["change"]
    )
    def close(self, request, queryset) -> None:
        reason = self._reason(request)
        if reason is None:
            return
        self._run(
            request,
            queryset,
            lambda r: workflow.close(r, actor=request.user, reason=reason),
            ngettext(
                "%(count)d report closed; the rider reads the reason.",
                "%(count)d reports closed; the riders read the reason.",
                queryset.count(),
            ),
        )

    @admin.action(
        description=gettext_lazy("Mark as duplicate of the original report"),
        permissions=["change"],
    )
    def mark_duplicate(self, request, queryset) -> None:
        original = (
            self.get_queryset(request)
            .filter(public_id=request.POST.get("original", "").strip())
            .first()
        )
        if original is None:
            self.message_user(request, _("Type the number of the original report."), messages.ERROR)
            return
        self._run(
            request,
            queryset,
            lambda r: workflow.mark_duplicate(r, original=original, actor=request.user),
            ngettext(
                "%(count)d report linked as duplicate.",
                "%(count)d reports linked as duplicates.",
                queryset.count(),
            ),
        )

    @admin.action(description=gettext_lazy("Close as invalid"), permissions=["change"])
    def close_invalid(self, request, queryset) -> None:
        reason = self._reason(request)
        if reason is None:
            return
        self._run(
            request,
            queryset,
            lambda r: workflow.close_invalid(r, actor=request.user, reason=reason),
            ngettext(
                "%(count)d report closed as invalid.",
                "%(count)d reports closed as invalid.",
                queryset.count(),
            ),
        )

    @admin.action(
        description=gettext_lazy("Validate: the problem was real, reward the rider"),
        permissions=["change"],
    )
    def validate(self, request, queryset) -> None:
        note = request.POST.get("reason", "")
        self._run(
            request,
            queryset,
            lambda r: workflow.validate(r, actor=request.user, note=note),
            ngettext(
                "%(count)d report validated; the rider's reward is on its way.",
                "%(count)d reports validated; the riders' rewards are on their way.",
                queryset.count(),
            ),
        )

    # --- Priority (issue 14): urgent first in the queue, changed with a reason -------------

    # A worklist (filtered to a status, a deadline state, the rider's check or a department)
    # lists urgent first, then by deadline; the whole history stays newest first, which its
    # index serves. A column the dispatcher clicks still wins.
    QUEUE_PARAMETERS = (
        "status__exact",
        "deadline",
        "check",
        "department__id__exact",
        "priority__exact",
    )

    def get_ordering(self, request):
        # Overdue first in both: the reports a dispatcher must chase are on top of any page.
        if any(name in request.GET for name in self.QUEUE_PARAMETERS):
            return (
                overdue_first(),
                "priority",
                F("due_at").asc(nulls_last=True),
                "-created_at",
                "-id",
            )
        return (overdue_first(), *super().get_ordering(request))

    @admin.display(description=gettext_lazy("priority"), ordering="priority")
    def priority_badge(self, report: Report) -> str:
        # Colours in static/css/admin.css: no style= attribute under the CSP.
        name = Priority(report.priority).name.lower()
        return format_html(
            '<span class="priority priority--{}">{}</span>', name, report.get_priority_display()
        )

    @admin.action(
        description=gettext_lazy("Change the priority (choose it, give the reason)"),
        permissions=["change"],
    )
    def prioritise(self, request, queryset) -> None:
        priority = request.POST.get("priority", "").strip()
        if not priority:
            self.message_user(request, _("Choose the new priority."), messages.ERROR)
            return
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, _("Give the reason for the new priority."), messages.ERROR)
            return
        self._run(
            request,
            queryset,
            lambda r: services.report_prioritise(
                report=r, priority=priority, reason=reason, by=request.user
            ),
            ngettext(
                "%(count)d report given the new priority.",
                "%(count)d reports given the new priority.",
                queryset.count(),
            ),
        )

    # Joint handling (联办): the action bar's department assists, or no longer does.
    def _department_posted(self, request) -> Department | None:
        """The action bar's department, among the staff member's city's only (issue 19): another
        city's id is refused as an unknown choice."""
        field = DispatchActionForm().fields["department"]
        field.queryset = city_filter(field.queryset, request.user)
        try:
            return field.clean(request.POST.get("department") or None)
        except forms.ValidationError:
            return None

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        action_form = getattr(response, "context_data", {}).get("action_form")
        if action_form is not None and "department" in action_form.fields:
            field = action_form.fields["department"]
            field.queryset = city_filter(field.queryset, request.user)
        return response

    def _chosen_department(self, request) -> Department | None:
        department = self._department_posted(request)
        if department is None:
            self.message_user(request, _("Choose the department."), messages.ERROR)
        return department

    @admin.action(
        description=gettext_lazy("Add the chosen department as assisting (联办)"),
        permissions=["change"],
    )
    def assist_add(self, request, queryset) -> None:
        department = self._chosen_department(request)
        if department is None:
            return
        self._run(
            request,
            queryset,
            lambda r: services.assist_add(report=r, department=department, by=request.user),
            ngettext(
                "The department assists with %(count)d report.",
                "The department assists with %(count)d reports.",
                queryset.count(),
            ),
        )

    @admin.action(
        description=gettext_lazy("Remove the chosen assisting department"),
        permissions=["change"],
    )
    def assist_remove(self, request, queryset) -> None:
        department = self._chosen_department(request)
        if department is None:
            return
        self._run(
            request,
            queryset,
            lambda r: services.assist_remove(report=r, department=department, by=request.user),
            ngettext(
                "The department no longer assists with %(count)d report.",
                "The department no longer assists with %(count)d reports.",
                queryset.count(),
            ),
        )

    def get_urls(self):
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="governance_report_dashboard",
            ),
            path(
                "scorecard/",
                self.admin_site.admin_view(
                    lambda request: scorecard_admin.scorecard_view(
                        request, admin_site=self.admin_site, opts=self.model._meta
                    )
                ),
                name="governance_report_scorecard",
            ),
            path(
                "scorecard/export.xlsx",
                self.admin_site.admin_view(scorecard_admin.scorecard_export_view),
                name="governance_report_scorecard_export",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        """Closure dashboard: per department and category over a period."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DashboardForm(request.GET or None)
        today = timezone.localdate()
        start, end = today - dt.timedelta(days=29), today
        if form.is_valid():
            start = form.cleaned_data["start"] or start
            end = form.cleaned_data["end"] or end
        rows = selectors.closure_dashboard(
            start=start, end=end, city_id=admin_city_id(request.user)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Closure dashboard"),
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "opts": self.model._meta,
        }
        return render(request, "admin/governance/report/dashboard.html", context)


@admin.register(FixAnswer)
class FixAnswerAdmin(CityScopedAdmin):
    """The riders' checks of fixes, read-only: what the centre's supervision and the
    departments' satisfaction figures are made of. Dispatchers (view_fixanswer) and centre
    admins; riders appear by pseudonym only."""

    list_display = (
        "report_link",
        "round",
        "rider_label",
        "outcome",
        "satisfaction",
        "by_default",
        "photo_preview",
        "created_at",
    )
    list_filter = (
        "outcome",
        "satisfaction",
        "by_default",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=report__public_id",)
    search_help_text = gettext_lazy("Report number.")
    list_select_related = ("report",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    fields = (
        "report_link",
        "round",
        "rider_label",
        "outcome",
        "satisfaction",
        "comment",
        "photo_preview",
        "by_default",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("report"), ordering="report__public_id")
    def report_link(self, answer: FixAnswer) -> str:
        url = reverse("admin:governance_report_change", args=[answer.report_id])
        return format_html('<a href="{}">{}</a>', url, answer.report.public_id)

    @admin.display(description=gettext_lazy("rider"))
    def rider_label(self, answer: FixAnswer) -> str:
        return answer_rider(answer)

    @admin.display(description=gettext_lazy("photo"))
    def photo_preview(self, answer: FixAnswer) -> str:
        return answer_photo(answer)

    def has_add_permission(self, request) -> bool:
        return False  # riders answer in the portal; the sweep records the defaults

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/photo/",
                self.admin_site.admin_view(self.photo_view),
                name="governance_fixanswer_photo",
            ),
            path(
                "<int:pk>/photo/thumb/",
                self.admin_site.admin_view(self.photo_view),
                {"size": "thumb"},
                name="governance_fixanswer_photo_thumb",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request, pk: int, size: str = "full"):
        """The rider's photo of the fix: staff who may view the checks."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        answer = get_object_or_404(self.get_queryset(request), pk=pk)
        field = (answer.thumbnail or answer.photo) if size == "thumb" else answer.photo
        return file_response(field, public=False, max_age=86400)


class DashboardForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("from"), required=False)
    end = forms.DateField(label=gettext_lazy("until"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


# --- Questions to the rider (issue 14, "Ask the rider") ---------------------------------------


def question_state(question: ReportQuestion) -> str:
    if question.answered_at is not None:
        return _("answered")
    if question.closed_at is None:
        return _("open")
    if question.closed_at >= question.answer_by:
        return _("expired")
    return _("closed")


def question_photo(question: ReportQuestion) -> str:
    """The rider's photo with the answer, as a thumbnail linked to the full photo (staff only)."""
    if not question.photo:
        return "—"
    url = reverse("admin:governance_reportquestion_photo", args=[question.pk])
    thumb = reverse("admin:governance_reportquestion_photo_thumb", args=[question.pk])
    return format_html('<a href="{}"><img src="{}" width="120" alt=""></a>', url, thumb)


class QuestionStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", gettext_lazy("Open: waiting for the rider")),
            ("answered", gettext_lazy("Answered")),
            ("expired", gettext_lazy("Expired: no answer in time")),
            ("closed", gettext_lazy("Closed: the report moved on before an answer")),
        ]

    def queryset(self, request, queryset):
        unanswered = queryset.filter(answered_at__isnull=True)
        if self.value() == "open":
            return unanswered.filter(closed_at__isnull=True)
        if self.value() == "answered":
            return queryset.filter(answered_at__isnull=False)
        if self.value() == "expired":
            return unanswered.filter(closed_at__gte=F("answer_by"))
        if self.value() == "closed":
            return unanswered.filter(closed_at__lt=F("answer_by"))
        return queryset


QUESTION_FIELDS = (
    "position",
    "department",
    "text",
    "asked_at",
    "answer_by",
    "state",
    "answer",
    "photo_preview",
    "answered_at",
    "closed_at",
)


class ReportQuestionInline(CityScopedInline, admin.TabularInline):
    """The departments' questions to the reporter and the answers, read-only."""

    model = ReportQuestion
    extra = 0
    can_delete = False
    fields = QUESTION_FIELDS
    readonly_fields = fields
    ordering = ("position",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department")

    @admin.display(description=gettext_lazy("state"))
    def state(self, question: ReportQuestion) -> str:
        return question_state(question)

    @admin.display(description=gettext_lazy("photo"))
    def photo_preview(self, question: ReportQuestion) -> str:
        return question_photo(question)

    # The department asks through its API and the rider answers in the portal: never staff.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Shown before the timeline; added here rather than in ReportAdmin's own list so this block
# stays self-contained.
ReportAdmin.inlines = [
    *ReportAdmin.inlines[:-1],
    ReportQuestionInline,
    *ReportAdmin.inlines[-1:],
]


@admin.register(ReportQuestion)
class ReportQuestionAdmin(CityScopedAdmin):
    """The departments' questions to the reporters, read-only (dispatchers: view_reportquestion).
    The rider appears by no name at all: the report number says which report."""

    list_display = (
        "report_link",
        "position",
        "department",
        "text",
        "asked_at",
        "answer_by",
        "state",
        "answered_at",
    )
    list_filter = (
        QuestionStateFilter,
        "department",
        ("asked_at", admin.DateFieldListFilter),
    )
    search_fields = ("=report__public_id",)
    search_help_text = gettext_lazy("Report number.")
    list_select_related = ("report", "department")
    ordering = ("-asked_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    fields = ("report_link", *QUESTION_FIELDS)
    readonly_fields = fields

    @admin.display(description=gettext_lazy("report"), ordering="report__public_id")
    def report_link(self, question: ReportQuestion) -> str:
        url = reverse("admin:governance_report_change", args=[question.report_id])
        return format_html('<a href="{}">{}</a>', url, question.report.public_id)

    @admin.display(description=gettext_lazy("state"))
    def state(self, question: ReportQuestion) -> str:
        return question_state(question)

    @admin.display(description=gettext_lazy("photo"))
    def photo_preview(self, question: ReportQuestion) -> str:
        return question_photo(question)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/photo/",
                self.admin_site.admin_view(self.photo_view),
                name="governance_reportquestion_photo",
            ),
            path(
                "<int:pk>/photo/thumb/",
                self.admin_site.admin_view(self.photo_view),
                {"size": "thumb"},
                name="governance_reportquestion_photo_thumb",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request, pk: int, size: str = "full"):
        """The rider's photo with an answer: staff who may view the questions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        question = get_object_or_404(self.get_queryset(request), pk=pk)
        field = (question.thumbnail or question.photo) if size == "thumb" else question.photo
        return file_response(field, public=False, max_age=86400)


class TransferActionForm(ActionForm):
    note = forms.CharField(
        label=gettext_lazy("note (required to refuse)"), max_length=500, required=False
    )


class TransferDecisionFilter(admin.SimpleListFilter):
    title = gettext_lazy("decision time")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [
            ("overdue", gettext_lazy("Waiting past its decision time")),
            ("in_time", gettext_lazy("Waiting, in time")),
        ]

    def queryset(self, request, queryset):
        pending = queryset.filter(status=TransferRequest.Status.PENDING)
        if self.value() == "overdue":
            return pending.filter(decide_by__lt=timezone.now())
        if self.value() == "in_time":
            return pending.filter(decide_by__gte=timezone.now())
        return queryset


@admin.register(TransferRequest)
class TransferRequestAdmin(CityScopedAdmin):
    """Departments' requests to hand a report to another department (转办), decided by the
    dispatcher within TRANSFER_DECISION_HOURS through governance.services.transfer_decide."""

    list_display = (
        "report_link",
        "from_department",
        "to_department",
        "reason",
        "status",
        "due",
        "by_rule",
        "requested_at",
        "decided_by",
    )
    list_filter = (
        "status",
        TransferDecisionFilter,
        "from_department",
        "to_department",
        "by_rule",
    )
    search_fields = ("=report__public_id",)
    search_help_text = gettext_lazy("Report number.")
    list_select_related = ("report", "from_department", "to_department", "decided_by")
    ordering = ("-requested_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    action_form = TransferActionForm
    actions = ["approve", "refuse"]
    fields = (
        "report_link",
        "from_department",
        "to_department",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "decide_by",
        "by_rule",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("report"), ordering="report__public_id")
    def report_link(self, transfer: TransferRequest) -> str:
        url = reverse("admin:governance_report_change", args=[transfer.report_id])
        return format_html('<a href="{}">{}</a>', url, transfer.report.public_id)

    @admin.display(description=gettext_lazy("decision due by"), ordering="decide_by")
    def due(self, transfer: TransferRequest) -> str:
        return transfer_due(transfer)

    def has_add_permission(self, request) -> bool:
        return False  # departments ask through their API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of who asked and who decided stays

    def _decide(self, request, queryset, *, approve: bool, note: str, success: str) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda t: services.transfer_decide(
                transfer=t, approve=approve, by=request.user, note=note
            ),
            success,
            label=lambda t: t.report.public_id,
        )

    @admin.action(
        description=gettext_lazy("Approve: the other department takes the report"),
        permissions=["change"],
    )
    def approve(self, request, queryset) -> None:
        self._decide(
            request,
            queryset,
            approve=True,
            note=request.POST.get("note", ""),
            success=ngettext(
                "%(count)d transfer approved.", "%(count)d transfers approved.", queryset.count()
            ),
        )

    @admin.action(
        description=gettext_lazy("Refuse with a note: the department keeps the report"),
        permissions=["change"],
    )
    def refuse(self, request, queryset) -> None:
        note = request.POST.get("note", "").strip()
        if not note:
            self.message_user(
                request, _("Give the reason, the department will see it."), messages.ERROR
            )
            return
        self._decide(
            request,
            queryset,
            approve=False,
            note=note,
            success=ngettext(
                "%(count)d transfer refused.", "%(count)d transfers refused.", queryset.count()
            ),
        )


@admin.register(TransferRule)
class TransferRuleAdmin(CityScopedAdmin):
    """Known hand-overs approved at once, without the dispatcher."""

    list_display = ("from_department", "to_department", "is_active")
    list_filter = ("is_active", "from_department", "to_department")
    list_editable = ("is_active",)
    search_fields = ("from_department__name", "to_department__name")
    list_select_related = ("from_department", "to_department")
    autocomplete_fields = ("from_department", "to_department")


# --- Department officers: the workbench's accounts (issue 15) -----------------------------------


@admin.register(Officer)
class OfficerAdmin(CityScopedAdmin):
    """Who works a department's reports in the workbench (/desk/). An officer is an existing
    user account; they sign in at /desk/sign-in/ with its password and an authenticator app
    (Django OTP → TOTP devices, or set up at the first sign-in with STAFF_2FA_SELF_ENROL), or,
    with a mobile number here, a code by SMS instead of the app."""

    list_display = ("user", "user_full_name", "department", "is_head", "is_active", "sms_sign_in")
    list_filter = ("is_head", "is_active", "department")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "department__name",
    )  # not by phone: officers' numbers are encrypted
    list_select_related = ("user", "department")
    autocomplete_fields = ("user", "department")

    @admin.display(description=gettext_lazy("name"), ordering="user__last_name")
    def user_full_name(self, officer: Officer) -> str:
        return officer.user.get_full_name()

    @admin.display(description=gettext_lazy("SMS sign-in"), boolean=True)
    def sms_sign_in(self, officer: Officer) -> bool:
        return bool(officer.phone)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if obj.user.is_staff:
            # The workbench needs no admin access; a staff account opens the admin too.
            self.message_user(
                request,
                _(
                    "%(user)s is also a staff account and can open the admin: an officer "
                    "needs only the workbench."
                )
                % {"user": obj.user},
                messages.WARNING,
            )


# Report and evidence photos with the "redact region" tool (issue 20).
from . import admin_photos  # noqa: E402, F401
