"""The audit log in the admin: read-only, for centre admins (auditlog.view_logentry) and superusers.

auditlog ships a LogEntry admin; this one replaces it (from CoreConfig.ready(), after the admin
autodiscovery registered auditlog's) to add filters by actor and by kind of record that do not
scan the whole log, and to keep it read-only for everyone, superusers included.
"""

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _


class ActorFilter(admin.SimpleListFilter):
    """Staff members (not every rider account: riders never act in the admin)."""

    title = _("actor")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True).order_by("username")
        return [("system", _("system (no actor)"))] + [
            (str(user.pk), user.get_username()) for user in staff
        ]

    def queryset(self, request, queryset):
        if self.value() == "system":
            return queryset.filter(actor__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(actor_id=int(self.value()))
        return queryset


class RecordTypeFilter(admin.SimpleListFilter):
    """By model. The choices are the audited models, not a DISTINCT over the whole log."""

    title = _("record type")
    parameter_name = "resource_type"

    def lookups(self, request, model_admin):
        from auditlog.registry import auditlog

        content_types = ContentType.objects.get_for_models(*auditlog.get_models())
        return sorted(
            ((str(ct.pk), str(model._meta.verbose_name)) for model, ct in content_types.items()),
            key=lambda choice: choice[1],
        )

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(content_type_id=int(self.value()))
        return queryset


class AuditLogEntryAdmin(AuditlogLogEntryAdmin):
    list_filter = ["action", RecordTypeFilter, ActorFilter, "timestamp"]
    search_fields = ["object_repr", "actor__username", "=object_pk"]
    search_help_text = _("Record (e.g. a category or a rider's name), staff username or id.")
    show_full_result_count = False
    list_per_page = 50

    def has_delete_permission(self, request, obj=None) -> bool:
        # An audit trail nobody can edit from the admin, superusers included.
        return False


def register() -> None:
    if admin.site.is_registered(LogEntry):
        admin.site.unregister(LogEntry)
    admin.site.register(LogEntry, AuditLogEntryAdmin)
