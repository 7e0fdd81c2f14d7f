"""The notice's versions (publish a new one: everyone accepts again) and, read-only, riders'
acceptances and consents, city by city (core/admin_tenancy.py)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_tenancy import CityScopedAdmin

from . import services
from .models import ConsentChoice, ConsentEvent, NoticeAcceptance, PrivacyNotice


class ReadOnlyAdmin(CityScopedAdmin):
    """A rider's own acts: staff look, nobody edits or deletes (closure is mydata's)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    """Adding a version publishes it: the next number, now, and every rider accepts it before
    their next page. A published version never changes (what riders accepted)."""

    list_display = ("version", "published_at", "changes", "published_by", "acceptance_count")
    search_fields = ("changes", "changes_en")
    date_hierarchy = "published_at"
    fields = ("changes", "changes_en")

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_acceptances=Count("acceptances"))

    @admin.display(description=gettext_lazy("acceptances"), ordering="_acceptances")
    def acceptance_count(self, obj) -> int:
        return obj._acceptances

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("version", "published_at", "published_by", "changes", "changes_en")
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return  # read-only once published (no field is editable)
        published = services.notice_publish(
            changes=form.cleaned_data["changes"],
            changes_en=form.cleaned_data.get("changes_en", ""),
            by=request.user,
        )
        obj.pk, obj.version = published.pk, published.version
        self.message_user(
            request,
            _("Version %(version)s is published: every rider accepts it at their next page.")
            % {"version": published.version},
            messages.SUCCESS,
        )


@admin.register(NoticeAcceptance)
class NoticeAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("rider", "notice_version", "accepted_at", "channel")
    list_filter = ("channel", "notice")
    search_fields = ("=rider__rider_number", "rider__name")
    list_select_related = ("rider", "notice")
    date_hierarchy = "accepted_at"

    @admin.display(description=gettext_lazy("version"), ordering="notice__version")
    def notice_version(self, obj) -> int:
        return obj.notice.version


@admin.register(ConsentChoice)
class ConsentChoiceAdmin(ReadOnlyAdmin):
    list_display = ("rider", "purpose", "granted", "changed_at")
    list_filter = ("purpose", "granted")
    search_fields = ("=rider__rider_number", "rider__name")
    list_select_related = ("rider",)
    date_hierarchy = "changed_at"


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "rider", "purpose", "granted", "notice_version")
    list_filter = ("purpose", "granted", "notice_version")
    search_fields = ("=rider__rider_number", "rider__name")
    list_select_related = ("rider",)
    date_hierarchy = "at"


# The retention runs' admin (privacy/admin_retention.py).
from . import admin_retention  # noqa: E402, F401
