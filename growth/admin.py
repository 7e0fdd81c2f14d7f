"""Centre staff: courses with their sessions, enrolments, and the register for each session
(tick who came; completion and certificates follow from it)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.tenancy import city_filter

from . import selectors, services
from .models import Course, Enrolment, Session


class SessionInline(CityScopedInline, admin.TabularInline):
    model = Session
    extra = 0
    fields = ("starts_at", "ends_at", "place", "online_link", "register_link")
    readonly_fields = ("register_link",)

    @admin.display(description=gettext_lazy("register"))
    def register_link(self, session):
        if session.pk is None:
            return "—"
        url = reverse("admin:growth_session_register", args=[session.pk])
        return format_html('<a href="{}">{}</a>', url, _("Mark attendance"))


@admin.register(Course)
class CourseAdmin(CityScopedAdmin):
    list_display = (
        "title",
        "city",
        "category",
        "provider",
        "hours",
        "seats",
        "required_sessions",
        "is_published",
    )
    list_filter = ("category", "is_published")
    search_fields = ("title", "title_en", "provider")
    list_select_related = ("city",)
    inlines = [SessionInline]

    def get_urls(self):
        return [
            path(
                "sessions/<int:pk>/register/",
                self.admin_site.admin_view(self.register_view),
                name="growth_session_register",
            ),
            *super().get_urls(),
        ]

    def register_view(self, request, pk: int):
        """Tick the riders who came to this session; completion follows automatically."""
        if not request.user.has_perm("growth.change_enrolment"):
            raise PermissionDenied
        # Another city's session is a 404, as its course's change page is.
        session = get_object_or_404(
            city_filter(Session.objects.select_related("course"), request.user), pk=pk
        )
        if request.method == "POST":
            present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
            completed = services.attendance_mark(
                session=session, present_ids=present, by=request.user
            )
            self.message_user(
                request,
                _("Attendance saved; %(count)d riders completed the course.")
                % {"count": len(completed)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:growth_course_change", args=[session.course_id])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register: %(session)s") % {"session": session},
            "session": session,
            "rows": selectors.session_register(session=session),
            "opts": self.model._meta,
        }
        return render(request, "admin/growth/course/register.html", context)


@admin.register(Enrolment)
class EnrolmentAdmin(CityScopedAdmin):
    list_display = ("course", "rider", "status", "enrolled_at", "completed_at", "certificate_code")
    list_filter = ("status", "course")
    search_fields = ("=rider__rider_number", "rider__name", "=certificate_code")
    list_select_related = ("course", "rider")
    readonly_fields = (
        "course",
        "rider",
        "status",
        "enrolled_at",
        "cancelled_at",
        "completed_at",
        "certificate_code",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # riders enrol on the portal
