from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_tenancy import CityScopedAdmin
from .models import City, District, Notification, User
from .tenancy import sees_all_cities


@admin.register(User)
class UserAdmin(CityScopedAdmin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("language", "city")}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "city",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("city", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("city",)

    # Staff of the admin's city and the city's riders (User.city_lookup); a national admin:
    # everyone. The list filter by city is the model's own "city" (national admins only).
    def get_list_filter(self, request):
        filters = super(CityScopedAdmin, self).get_list_filter(request)
        return filters if sees_all_cities(request.user) else filters[1:]


@admin.register(City)
class CityAdmin(CityScopedAdmin):
    list_display = (
        "name",
        "name_en",
        "code",
        "jurisdiction_id",
        "subsidised_meals_per_day",
        "service_circle_m",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "name_en", "code", "jurisdiction_id")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "is_active")}),
        (
            _("What may differ from city to city"),
            {
                "fields": (
                    "jurisdiction_id",
                    "time_zone",
                    "sms_sign_name",
                    "subsidised_meals_per_day",
                    "service_circle_m",
                )
            },
        ),
    )

    # A city's own admins set its configuration; only a national admin adds or removes a city.
    def has_add_permission(self, request) -> bool:
        return sees_all_cities(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return sees_all_cities(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if sees_all_cities(request.user) else ("code", "jurisdiction_id")

    # A link to the national dashboard (portal/national.py) for those who may open it.
    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "national": sees_all_cities(request.user)}
        return super().changelist_view(request, extra_context)


@admin.register(District)
class DistrictAdmin(CityScopedAdmin):
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
