"""The retention runs in the admin: read-only, for centre admins (privacy.view_retentionrun),
with "Run the retention table now" (privacy.run_retention) that queues the task.

privacy/admin.py imports this module (`from . import admin_retention  # noqa`), so the admin's
autodiscovery registers it.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.queue import enqueue_on_commit

from . import retention, tasks
from .models import RetentionRun

STATUS_LABELS = {
    retention.OK: _("applied"),
    retention.FAILED: _("failed"),
    retention.SKIPPED: _("skipped"),
    retention.ELSEWHERE: _("applied elsewhere / kept"),
}


class FailedFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("failed", _("a rule failed")), ("ok", _("every rule applied"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(failures__gt=0)
        if self.value() == "ok":
            return queryset.filter(failures=0, finished_at__isnull=False)
        return queryset


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "rows", "failures", "requested_by"]
    list_filter = [FailedFilter, "started_at"]
    list_select_related = ["requested_by"]
    date_hierarchy = "started_at"
    # The rules' names and errors are in `results`: "governance.photo_originals" finds the runs
    # that mention it.
    search_fields = ["results"]
    search_help_text = _("A rule's name (e.g. riders.sms_log) or an error's text.")
    fields = ["started_at", "finished_at", "requested_by", "rows", "failures", "table"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RetentionRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RetentionRun | None = None) -> bool:
        return False

    def can_run(self, request: HttpRequest) -> bool:
        return request.user.has_perm("privacy.run_retention")

    @admin.display(description=_("Rules"))
    def table(self, run: RetentionRun) -> str:
        """Each rule of the run: what it covers, its period and action, and what it did."""
        rows = []
        for entry in run.results:
            rule = retention.rule_for(entry.get("rule", ""))
            rows.append(
                (
                    entry.get("rule", ""),
                    rule.label if rule else "",
                    rule.days() if rule else "",
                    retention.ACTION_LABELS.get(rule.action, "") if rule else "",
                    STATUS_LABELS.get(entry.get("status", ""), entry.get("status", "")),
                    entry.get("rows", 0),
                    entry.get("note", ""),
                )
            )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("rule"),
            _("what"),
            _("days kept"),
            _("action"),
            _("outcome"),
            _("rows"),
            _("note"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
                rows,
            ),
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_run_retention": self.can_run(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "run-now/",
                self.admin_site.admin_view(self.run_now_view),
                name="privacy_retentionrun_run_now",
            ),
            *super().get_urls(),
        ]

    def run_now_view(self, request: HttpRequest) -> HttpResponse:
        """Queue the retention task now (after commit); the run appears in the list when the
        worker has applied it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_view_permission(request) and self.can_run(request)):
            raise PermissionDenied
        enqueue_on_commit(tasks.retention_apply, request.user.pk)
        self.message_user(
            request,
            _("The retention table will be applied in a moment; reload the list to see the run."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:privacy_retentionrun_changelist"))
