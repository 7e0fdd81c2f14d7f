"""Centre staff: volunteer teams, activities (with sign-ups) and confirmed hours."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_tenancy import CityScopedAdmin, CityScopedInline

from .models import Activity, SignUp, Team


@admin.register(Team)
class TeamAdmin(CityScopedAdmin):
    list_display = ("name", "city", "leader", "founded_on")
    search_fields = ("name", "leader__name")
    list_select_related = ("city", "leader")
    autocomplete_fields = ("leader",)
    filter_horizontal = ("members",)


class SignUpInline(CityScopedInline, admin.TabularInline):
    model = SignUp
    extra = 0
    fields = ("rider", "status", "verified_hours", "confirmed_by", "confirmed_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(CityScopedAdmin):
    list_display = ("title", "team", "date", "start_time", "hours", "capacity", "attendance_link")
    list_filter = ("team", ("date", admin.DateFieldListFilter))
    search_fields = ("title", "place", "team__name")
    list_select_related = ("team",)
    date_hierarchy = "date"
    inlines = [SignUpInline]

    @admin.display(description=gettext_lazy("attendance"))
    def attendance_link(self, activity):
        url = reverse("volunteering:attendance", args=[activity.pk])
        return format_html('<a href="{}">{}</a>', url, _("Confirm who came"))


@admin.register(SignUp)
class SignUpAdmin(CityScopedAdmin):
    list_display = ("activity", "rider", "status", "verified_hours", "confirmed_at")
    list_filter = ("status", "activity__team")
    search_fields = ("=rider__rider_number", "rider__name", "activity__title")
    list_select_related = ("activity", "rider")
    readonly_fields = (
        "activity",
        "rider",
        "status",
        "verified_hours",
        "confirmed_by",
        "confirmed_at",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False
