from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import City, District, Notification, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("language",)}),
    )
    list_display = ("username", "first_name", "last_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code")
    search_fields = ("name", "name_en", "code")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "alias", "city", "code", "sort_order")
    list_filter = ("city",)
    search_fields = ("name", "name_en", "alias", "code")
    list_select_related = ("city",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("heading", "recipient", "created_at", "read_at")
    list_filter = ("created_at", "read_at")
    search_fields = ("title", "kind", "recipient__username")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["mark_read"]

    # Staff alerts (a webhook given up, the SMS budget spent) arrive in the staff member's own
    # inbox: every staff user sees their own messages here; the whole table needs the permission.
    def _sees_all(self, request) -> bool:
        return request.user.has_perm("core.view_notification")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if self._sees_all(request) else queryset.filter(recipient=request.user)

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        if self._sees_all(request):
            return True
        return self.has_module_permission(request) and (
            obj is None or obj.recipient_id == request.user.pk
        )

    # A message of a kind shows as its reader reads it, not as its kind and params.
    readonly_fields = ("heading", "text")

    @admin.display(description=_("title"))
    def heading(self, notification: Notification) -> str:
        # Rendered in the reading admin's language (core/messages.py).
        return notification.heading

    @admin.display(description=_("body"))
    def text(self, notification: Notification) -> str:
        return notification.text

    # Marks only the user's own messages, so seeing them (has_view_permission above) suffices.
    @admin.action(description=_("Mark my messages read"), permissions=["view"])
    def mark_read(self, request, queryset):
        count = services.notifications_mark_read(recipient=request.user)
        self.message_user(request, _("%(count)d messages marked read.") % {"count": count})
